import { Member, MemberStatus } from '../model/member';

/** Persistence of image memberships; a removed member may be added again. */
export interface MemberRepository {
  /** Adds a membership; throws Conflict when the project is already a member. */
  add(member: Member): Promise<void>;
  find(imageId: string, memberId: string): Promise<Member | null>;
  listByImage(imageId: string): Promise<Member[]>;
  updateStatus(imageId: string, memberId: string, status: MemberStatus, at: Date): Promise<boolean>;
  remove(imageId: string, memberId: string): Promise<boolean>;
  /** Removes every membership of an image (when the image is deleted). */
  removeAll(imageId: string): Promise<void>;
}

export const MemberRepository = Symbol('MemberRepository');
