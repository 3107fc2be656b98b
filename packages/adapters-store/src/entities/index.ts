import { ImageMemberRow } from './image-member.entity';
import { ImagePropertyRow } from './image-property.entity';
import { ImageTagRow } from './image-tag.entity';
import { ImageRow } from './image.entity';
import { TaskRow } from './task.entity';

export { ImageMemberRow, ImagePropertyRow, ImageTagRow, ImageRow, TaskRow };

export const ENTITIES = [ImageRow, ImagePropertyRow, ImageTagRow, ImageMemberRow, TaskRow];
