import { ImageNotFound } from '../errors';
import { Image } from '../model/image';
import { RequestContext } from '../model/request-context';
import { canSeeImage } from '../model/visibility';
import { Policy, PolicyAction, PolicyTarget } from '../policy/policy';
import { ImageRepository } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';

export interface VisibleImage {
  image: Image;
  target: PolicyTarget;
}

/**
 * Loads images on behalf of a caller, hiding the ones it may not see, and
 * checks policy rules so that a denied caller who could not see the image
 * learns nothing: it gets "not found", never "forbidden".
 */
export class ImageAccess {
  constructor(
    private readonly images: ImageRepository,
    private readonly members: MemberRepository,
    private readonly policy: Policy,
  ) {}

  async load(ctx: RequestContext, id: string): Promise<VisibleImage> {
    const image = await this.images.findById(id);
    if (image === null) throw new ImageNotFound(id);

    const target = await this.targetOf(ctx, image);
    if (!canSeeImage(ctx, image, target.callerIsMember === true)) throw new ImageNotFound(id);
    if (!this.policy.allows('get_image', ctx, target)) throw new ImageNotFound(id);
    return { image, target };
  }

  /** Builds the policy target. Memberships count only on a shared image. */
  async targetOf(ctx: RequestContext, image: Image): Promise<PolicyTarget> {
    const isMember =
      image.visibility === 'shared' &&
      ctx.projectId !== null &&
      image.owner !== ctx.projectId &&
      (await this.members.find(image.id, ctx.projectId)) !== null;
    return { owner: image.owner, visibility: image.visibility, callerIsMember: isMember };
  }

  /** Loads the image and enforces one more rule on it. */
  async loadFor(ctx: RequestContext, id: string, action: PolicyAction): Promise<VisibleImage> {
    const visible = await this.load(ctx, id);
    this.policy.enforce(action, ctx, visible.target);
    return visible;
  }
}
