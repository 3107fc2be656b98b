import { Image } from './image';
import { RequestContext } from './request-context';

/**
 * Tells whether the caller may read an image at all. A membership of any
 * status (pending, accepted or rejected) makes a shared image readable.
 */
export function canSeeImage(ctx: RequestContext, image: Image, isMember: boolean): boolean {
  if (ctx.isAdmin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (ctx.projectId !== null && image.owner === ctx.projectId) return true;
  return image.visibility === 'shared' && isMember;
}

export function ownsImage(ctx: RequestContext, image: Image): boolean {
  return ctx.projectId !== null && image.owner === ctx.projectId;
}
