import { Conflict, InvalidInput, NotFound, QuotaExceeded } from '../errors';
import { Image } from '../model/image';
import { RequestContext } from '../model/request-context';
import { Policy, PolicyTarget } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { ImageRepository, unchangedSince } from '../ports/image-repository.port';
import {
  MemberShareRepository,
  SharedMember,
} from '../ports/member-share-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';
import { MemberSettings } from './member-service';

export interface V1MemberServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  shares: MemberShareRepository;
  policy: Policy;
  clock: Clock;
  settings: MemberSettings;
}

/** One entry of a v1 membership list: a project and whether it may share further. */
interface RequestedMember {
  memberId: string;
  /** Null when the request leaves can_share as it is (false for a new member). */
  canShare: boolean | null;
}

const MAX_MEMBER_ID_LENGTH = 255;

/**
 * The Images API v1 memberships (Glance Queens) on the same members as v2.
 * A v1 member is a v2 member. It starts `pending`, the default status in
 * Glance's glance/db/sqlalchemy/models.py, and v1 lists and shows the image
 * to it whatever its status.
 * The owner, an administrator, or a member with can_share may change the
 * members; anyone else gets "not found", as from Glance v1. Adding a member
 * to a private image makes it shared, since v2 lets only shared images
 * have members and v1 had no visibility to say so.
 */
export class V1MemberService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: V1MemberServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  /** Lists every member to the owner and administrators, and only its own entry to a member. */
  async list(ctx: RequestContext, imageId: string): Promise<SharedMember[]> {
    const { image } = await this.access.load(ctx, imageId);
    const members = await this.deps.shares.listSharedByImage(imageId);
    if (ctx.isAdmin || ownsImage(ctx, image)) return members;
    return members.filter((member) => member.memberId === ctx.projectId);
  }

  /** Lists one project's memberships, limited to the caller's images unless it is that project. */
  async listSharedImages(
    ctx: RequestContext,
    memberId: string,
  ): Promise<SharedMember[]> {
    const memberships = await this.deps.shares.listSharedByMember(memberId);
    if (ctx.isAdmin || memberId === ctx.projectId) return memberships;

    const visible: SharedMember[] = [];
    for (const membership of memberships) {
      const image = await this.deps.images.findById(membership.imageId);
      if (image !== null && ownsImage(ctx, image)) visible.push(membership);
    }
    return visible;
  }

  /** Replaces the members with the list in `{"memberships": [...]}`. */
  async replace(
    ctx: RequestContext,
    imageId: string,
    body: unknown,
  ): Promise<void> {
    const { image, target } = await this.access.load(ctx, imageId);
    const listed = (body as { memberships?: unknown } | null)?.memberships;
    if (Array.isArray(listed)) this.checkQuota(listed.length);
    await this.requireSharable(ctx, image, target, 'add_member');
    const requested = parseMemberships(body);

    if (requested.length > 0) await this.shareIfPrivate(image);
    const current = await this.deps.shares.listSharedByImage(imageId);
    for (const member of current) {
      if (!requested.some((item) => item.memberId === member.memberId)) {
        await this.deps.members.remove(imageId, member.memberId);
      }
    }
    for (const item of requested) {
      const existing = current.find(
        (member) => member.memberId === item.memberId,
      );
      await this.addOrUpdate(imageId, item, existing);
    }
  }

  /** Adds one member, or sets can_share of an existing one. The body is optional. */
  async put(
    ctx: RequestContext,
    imageId: string,
    memberId: string,
    body: unknown,
  ): Promise<void> {
    checkMemberId(memberId);
    const { image, target } = await this.access.load(ctx, imageId);
    const members = await this.deps.shares.listSharedByImage(imageId);
    // Glance counts the new member even when the project is already one.
    this.checkQuota(members.length + 1);
    await this.requireSharable(ctx, image, target, 'add_member');

    const existing = members.find((member) => member.memberId === memberId);
    if (existing === undefined) await this.shareIfPrivate(image);
    await this.addOrUpdate(
      imageId,
      { memberId, canShare: parseCanShare(body) },
      existing,
    );
  }

  async remove(
    ctx: RequestContext,
    imageId: string,
    memberId: string,
  ): Promise<void> {
    const { image, target } = await this.access.load(ctx, imageId);
    await this.requireSharable(ctx, image, target, 'delete_member');

    if (!(await this.deps.members.remove(imageId, memberId))) {
      throw new NotFound('v1_membership_not_found', {
        member: memberId,
        image: imageId,
      });
    }
  }

  private async addOrUpdate(
    imageId: string,
    item: RequestedMember,
    existing?: SharedMember,
  ): Promise<void> {
    const now = this.deps.clock.now();
    if (existing !== undefined) {
      if (item.canShare !== null && item.canShare !== existing.canShare) {
        await this.deps.shares.setCanShare(
          imageId,
          item.memberId,
          item.canShare,
          now,
        );
      }
      return;
    }
    await this.deps.shares.addShared({
      imageId,
      memberId: item.memberId,
      status: 'pending',
      canShare: item.canShare ?? false,
      createdAt: now,
      updatedAt: now,
    });
  }

  private checkQuota(count: number): void {
    const quota = this.deps.settings.memberQuota;
    if (quota >= 0 && count > quota) {
      throw new QuotaExceeded('member_quota_exceeded', { limit: quota });
    }
  }

  /**
   * Glance v1's "is the image sharable" test. The owner must also pass the
   * policy rule, so that a reader of the owning project cannot change the
   * members through v1 when v2 would reject it.
   */
  private async requireSharable(
    ctx: RequestContext,
    image: Image,
    target: PolicyTarget,
    action: 'add_member' | 'delete_member',
  ): Promise<void> {
    if (ctx.isAdmin) return;
    const notPermitted = new NotFound('v1_share_not_permitted', {
      image: image.id,
    });
    if (ctx.projectId === null) throw notPermitted;
    if (ownsImage(ctx, image)) {
      if (this.deps.policy.allows(action, ctx, target)) return;
      throw notPermitted;
    }
    const own = await this.deps.shares.findShared(image.id, ctx.projectId);
    if (own === null || !own.canShare) throw notPermitted;
  }

  private async shareIfPrivate(image: Image): Promise<void> {
    if (image.visibility !== 'private') return;
    const shared = {
      ...image,
      visibility: 'shared' as const,
      updatedAt: this.deps.clock.now(),
    };
    const saved = await this.deps.images.update(shared, unchangedSince(image));
    if (!saved) {
      throw new Conflict('image_changed_concurrently', { id: image.id });
    }
  }
}

function ownsImage(ctx: RequestContext, image: Image): boolean {
  return ctx.projectId !== null && image.owner === ctx.projectId;
}

/** Python's truth test, which Glance applies to a JSON can_share value. */
function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value).length > 0;
  }
  return Boolean(value);
}

function checkMemberId(memberId: unknown): string {
  if (
    typeof memberId !== 'string' ||
    memberId === '' ||
    memberId.length > MAX_MEMBER_ID_LENGTH
  ) {
    throw new InvalidInput('member_invalid');
  }
  return memberId;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `{"member": {"can_share": ...}}`, and null (no change) from any other body. */
function parseCanShare(body: unknown): boolean | null {
  if (
    !isObject(body) ||
    !isObject(body.member) ||
    !('can_share' in body.member)
  )
    return null;
  return isTruthy(body.member.can_share);
}

/** Reads `{"memberships": [{"member_id", "can_share"}]}`, where a later duplicate wins. */
function parseMemberships(body: unknown): RequestedMember[] {
  if (!isObject(body) || !('memberships' in body)) {
    throw new InvalidInput('v1_membership_invalid', {
      reason: "'memberships' is missing",
    });
  }
  if (!Array.isArray(body.memberships)) {
    throw new InvalidInput('v1_membership_invalid', {
      reason: "'memberships' is not a list",
    });
  }
  const byId = new Map<string, RequestedMember>();
  for (const entry of body.memberships) {
    if (!isObject(entry) || !('member_id' in entry)) {
      throw new InvalidInput('v1_membership_invalid', {
        reason: "an entry has no 'member_id'",
      });
    }
    const memberId = checkMemberId(entry.member_id);
    byId.set(memberId, {
      memberId,
      canShare: 'can_share' in entry ? isTruthy(entry.can_share) : null,
    });
  }
  return [...byId.values()];
}
