import { Conflict, Member, MemberRepository, MemberStatus } from '@iris/domain';
import { DataSource } from 'typeorm';
import { ImageMemberRow } from '../entities';
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

export class TypeOrmMemberRepository implements MemberRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {}

  async add(member: Member): Promise<void> {
    await this.lock.run(async () => {
      const row = Object.assign(new ImageMemberRow(), {
        imageId: member.imageId,
        member: member.memberId,
        status: member.status,
        createdAt: member.createdAt,
        updatedAt: member.updatedAt,
      });
      const manager = this.dataSource.manager;
      if (await manager.existsBy(ImageMemberRow, { imageId: member.imageId, member: member.memberId })) {
        throw new Conflict('member_exists', { member: member.memberId, image: member.imageId });
      }
      await manager.insert(ImageMemberRow, row);
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
