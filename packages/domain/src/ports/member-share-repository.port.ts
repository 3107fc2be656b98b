import { Member } from '../model/member';

/**
 * A membership with the v1 API's can_share flag: a member that may share
 * the image with further projects. The v2 API neither shows nor sets it.
 */
export interface SharedMember extends Member {
  canShare: boolean;
}

/**
 * The can_share side of image memberships, kept with the memberships that
 * MemberRepository stores (one row per member, so both ports see the same
 * members). Memberships added through MemberRepository have can_share false.
 */
export interface MemberShareRepository {
  /** Adds a membership with its flag, or throws Conflict when the project is already a member. */
  addShared(member: SharedMember): Promise<void>;
  findShared(imageId: string, memberId: string): Promise<SharedMember | null>;
  listSharedByImage(imageId: string): Promise<SharedMember[]>;
  /** Returns the memberships of one project in every image. */
  listSharedByMember(memberId: string): Promise<SharedMember[]>;
  /** Sets the flag and returns whether the membership exists. */
  setCanShare(
    imageId: string,
    memberId: string,
    canShare: boolean,
    at: Date,
  ): Promise<boolean>;
}

export const MemberShareRepository = Symbol('MemberShareRepository');
