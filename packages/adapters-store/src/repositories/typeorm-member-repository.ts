import {
  Conflict,
  Member,
  MemberRepository,
  MemberShareRepository,
  MemberStatus,
  SharedMember,
} from '@iris/domain';
import { DataSource } from 'typeorm';
import { ImageMemberRow } from '../entities';
import { isDuplicateKey } from './duplicate-key';
import { WriteLock } from './write-lock';

function toMember(row: ImageMemberRow): Member {
  return {
    imageId: row.imageId,
    memberId: row.member,
    status: row.status as MemberStatus,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

function toSharedMember(row: ImageMemberRow): SharedMember {
  return { ...toMember(row), canShare: Boolean(Number(row.canShare)) };
}

/**
 * Implements both member ports on the image_members table. A member added
 * through MemberRepository has can_share false.
 */
export class TypeOrmMemberRepository implements MemberRepository, MemberShareRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {}

  async add(member: Member): Promise<void> {
    await this.addShared({ ...member, canShare: false });
  }

  async addShared(member: SharedMember): Promise<void> {
    await this.lock.run(async () => {
      const row = Object.assign(new ImageMemberRow(), {
        imageId: member.imageId,
        member: member.memberId,
        status: member.status,
        canShare: member.canShare,
        createdAt: member.createdAt,
        updatedAt: member.updatedAt,
      });
      try {
        await this.dataSource.manager.insert(ImageMemberRow, row);
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new Conflict('member_exists', { member: member.memberId, image: member.imageId });
        }
        throw error;
      }
    });
  }

  async find(imageId: string, memberId: string): Promise<Member | null> {
    const row = await this.dataSource.manager.findOneBy(ImageMemberRow, { imageId, member: memberId });
    return row === null ? null : toMember(row);
  }

  async listByImage(imageId: string): Promise<Member[]> {
    const rows = await this.dataSource.manager.find(ImageMemberRow, {
      where: { imageId },
      order: { createdAt: 'ASC', member: 'ASC' },
    });
    return rows.map(toMember);
  }

  async findShared(imageId: string, memberId: string): Promise<SharedMember | null> {
    const row = await this.dataSource.manager.findOneBy(ImageMemberRow, { imageId, member: memberId });
    return row === null ? null : toSharedMember(row);
  }

  async listSharedByImage(imageId: string): Promise<SharedMember[]> {
    const rows = await this.dataSource.manager.find(ImageMemberRow, {
      where: { imageId },
      order: { createdAt: 'ASC', member: 'ASC' },
    });
    return rows.map(toSharedMember);
  }

  async listSharedByMember(memberId: string): Promise<SharedMember[]> {
    const rows = await this.dataSource.manager.find(ImageMemberRow, {
      where: { member: memberId },
      order: { createdAt: 'ASC', imageId: 'ASC' },
    });
    return rows.map(toSharedMember);
  }

  async setCanShare(imageId: string, memberId: string, canShare: boolean, at: Date): Promise<boolean> {
    return this.lock.run(async () => {
      const result = await this.dataSource.manager.update(
        ImageMemberRow,
        { imageId, member: memberId },
        { canShare, updatedAt: at },
      );
      return result.affected === 1;
    });
  }

  async updateStatus(imageId: string, memberId: string, status: MemberStatus, at: Date): Promise<boolean> {
    return this.lock.run(async () => {
      const result = await this.dataSource.manager.update(
        ImageMemberRow,
        { imageId, member: memberId },
        { status, updatedAt: at },
      );
      return result.affected === 1;
    });
  }

  async remove(imageId: string, memberId: string): Promise<boolean> {
    return this.lock.run(async () => {
      const result = await this.dataSource.manager.delete(ImageMemberRow, { imageId, member: memberId });
      return result.affected === 1;
    });
  }

  async removeAll(imageId: string): Promise<void> {
    await this.lock.run(() => this.dataSource.manager.delete(ImageMemberRow, { imageId }));
  }
}
