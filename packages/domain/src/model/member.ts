export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export interface Member {
  imageId: string;
  memberId: string;
  status: MemberStatus;
  createdAt: Date;
  updatedAt: Date;
}
