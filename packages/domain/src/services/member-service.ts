import { Conflict, Forbidden, InvalidInput, NotFound, QuotaExceeded } from '../errors';
import { Image } from '../model/image';
import { MEMBER_STATUSES } from '../model/image-schema';
import { Member, MemberStatus } from '../model/member';
import { RequestContext } from '../model/request-context';
import { Policy, PolicyTarget } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { ImageRepository } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';

export interface MemberSettings {
  /** Members per image (Glance's image_member_quota); negative means unlimited. */
  memberQuota: number;
}

export interface MemberServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  policy: Policy;
  clock: Clock;
  settings: MemberSettings;
}

const MAX_MEMBER_ID_LENGTH = 255;

/** Use cases on image sharing. Only shared images have members. */
export class MemberService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: MemberServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  async add(ctx: RequestContext, imageId: string, body: unknown): Promise<Member> {
    const memberId = parseMemberId(body);
    const { image, target } = await this.access.load(ctx, imageId);
    requireShared(image);
    this.deps.policy.enforce('add_member', ctx, target);

    const members = await this.deps.members.listByImage(imageId);
    if (members.some((member) => member.memberId === memberId)) {
      throw new Conflict('member_exists', { member: memberId, image: imageId });
    }
    const quota = this.deps.settings.memberQuota;
    if (quota >= 0 && members.length >= quota) {
      throw new QuotaExceeded('member_quota_exceeded', { limit: quota });
    }
    const now = this.deps.clock.now();
    const member: Member = { imageId, memberId, status: 'pending', createdAt: now, updatedAt: now };
    await this.deps.members.add(member);
    return member;
  }

  /** Lists every member to the owner and administrators, and only its own entry to a member. */
  async list(ctx: RequestContext, imageId: string): Promise<Member[]> {
    const { image, target } = await this.access.load(ctx, imageId);
    requireShared(image);
    this.deps.policy.enforce('get_members', ctx, target);

    const members = await this.deps.members.listByImage(imageId);
    if (!this.deps.policy.allows('get_member', ctx, target)) return [];
    return members.filter((member) => canSeeMembership(ctx, image, member.memberId));
  }

  /** Reports every refusal as "not found", so that no project learns of another one's membership. */
  async get(ctx: RequestContext, imageId: string, memberId: string): Promise<Member> {
    const notFound = new NotFound('member_not_found', { member: memberId, image: imageId });
    const { image, target } = await this.access.load(ctx, imageId);
    if (image.visibility !== 'shared') throw notFound;
    if (!this.deps.policy.allows('get_member', ctx, target)) throw notFound;

    return this.findVisible(ctx, image, memberId);
  }

  /** Only the member itself (or an admin) decides whether it accepts the image. */
  async updateStatus(ctx: RequestContext, imageId: string, memberId: string, body: unknown): Promise<Member> {
    const status = parseMemberStatus(body);
    const { image, target } = await this.access.load(ctx, imageId);
    requireShared(image);
    const member = await this.lookUp(ctx, image, target, memberId);
    this.deps.policy.enforce('modify_member', ctx, target);

    const now = this.deps.clock.now();
    await this.deps.members.updateStatus(imageId, memberId, status, now);
    return { ...member, status, updatedAt: now };
  }

  async remove(ctx: RequestContext, imageId: string, memberId: string): Promise<void> {
    const { image, target } = await this.access.load(ctx, imageId);
    requireShared(image);
    await this.lookUp(ctx, image, target, memberId);
    this.deps.policy.enforce('delete_member', ctx, target);

    if (!(await this.deps.members.remove(imageId, memberId))) {
      throw new NotFound('member_not_found', { member: memberId, image: imageId });
    }
  }

  /**
   * Looks a member up before a change, as Glance does: get_member must pass
   * (else 403) and the entry must be visible to the caller (else 404).
   */
  private async lookUp(
    ctx: RequestContext,
    image: Image,
    target: PolicyTarget,
    memberId: string,
  ): Promise<Member> {
    this.deps.policy.enforce('get_member', ctx, target);
    return this.findVisible(ctx, image, memberId);
  }

  private async findVisible(ctx: RequestContext, image: Image, memberId: string): Promise<Member> {
    const visible = canSeeMembership(ctx, image, memberId);
    const member = visible ? await this.deps.members.find(image.id, memberId) : null;
    if (member === null) throw new NotFound('member_not_found', { member: memberId, image: image.id });
    return member;
  }
}

/**
 * Applies Glance's database rule: the owner and administrators see every
 * membership, other projects only their own.
 */
function canSeeMembership(ctx: RequestContext, image: Image, memberId: string): boolean {
  if (ctx.isAdmin) return true;
  if (ctx.projectId === null) return false;
  return image.owner === ctx.projectId || memberId === ctx.projectId;
}

function requireShared(image: Image): void {
  if (image.visibility !== 'shared') {
    throw new Forbidden('image_not_shared', { visibility: image.visibility });
  }
}

function parseMemberId(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInput('body_not_object');
  }
  const member = (body as Record<string, unknown>).member;
  if (member === undefined) throw new InvalidInput('member_required');
  if (typeof member !== 'string' || member.trim() === '') throw new InvalidInput('member_invalid');
  if (member.length > MAX_MEMBER_ID_LENGTH) throw new InvalidInput('member_invalid');
  return member;
}

function parseMemberStatus(body: unknown): MemberStatus {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInput('body_not_object');
  }
  const status = (body as Record<string, unknown>).status;
  if (status === undefined) throw new InvalidInput('member_status_required');
  if (!(MEMBER_STATUSES as readonly unknown[]).includes(status)) {
    throw new InvalidInput('member_status_invalid', { status: String(status) });
  }
  return status as MemberStatus;
}
