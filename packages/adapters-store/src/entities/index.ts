import { ImageMemberRow } from './image-member.entity';
import { ImagePropertyRow } from './image-property.entity';
import { ImageTagRow } from './image-tag.entity';
import { ImageRow } from './image.entity';

export { ImageMemberRow, ImagePropertyRow, ImageTagRow, ImageRow };

export const ENTITIES = [ImageRow, ImagePropertyRow, ImageTagRow, ImageMemberRow];
