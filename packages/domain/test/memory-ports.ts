import { Conflict } from '../src/errors';
import { Image } from '../src/model/image';
import { ImageListQuery } from '../src/model/image-list-query';
import { ImageStatus } from '../src/model/image-status';
import { Member, MemberStatus } from '../src/model/member';
import { ImageRepository, ListViewer } from '../src/ports/image-repository.port';
import { MemberRepository } from '../src/ports/member-repository.port';

/**
 * In-memory doubles of the repository ports for the services' unit tests.
 * They keep the contract's conditional writes: an update or delete happens
 * only from the expected status (and revision or update time).
 */
export class MemoryImageRepository implements ImageRepository {
  readonly rows = new Map<string, Image>();

  async add(image: Image): Promise<void> {
    if (this.rows.has(image.id)) throw new Conflict('image_exists', { id: image.id });
    this.rows.set(image.id, structuredClone(image));
  }

  async findById(id: string): Promise<Image | null> {
    const row = this.rows.get(id);
    return row === undefined || row.status === 'deleted' ? null : structuredClone(row);
  }

  async list(_query: ImageListQuery, _viewer: ListViewer): Promise<Image[]> {
    return [...this.rows.values()].filter((row) => row.status !== 'deleted');
  }

  async update(
    image: Image,
    expected: { status: ImageStatus; revision?: number; updatedAt?: Date },
  ): Promise<boolean> {
    const row = this.rows.get(image.id);
    if (row === undefined || row.status === 'deleted' || row.status !== expected.status) return false;
    if (expected.revision !== undefined && row.revision !== expected.revision) return false;
    if (expected.updatedAt !== undefined && row.updatedAt.getTime() !== expected.updatedAt.getTime()) {
      return false;
    }
    this.rows.set(image.id, structuredClone(image));
    return true;
  }

  async listByStatus(status: ImageStatus): Promise<Image[]> {
    return [...this.rows.values()].filter((row) => row.status === status).map((row) => structuredClone(row));
  }

  async markDeleted(id: string, expectedStatus: ImageStatus, deletedAt: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (row === undefined || row.status !== expectedStatus) return false;
    this.rows.set(id, { ...row, status: 'deleted', updatedAt: deletedAt });
    return true;
  }
}

export class MemoryMemberRepository implements MemberRepository {
  readonly rows = new Map<string, Member>();

  async add(member: Member): Promise<void> {
    const key = `${member.imageId}/${member.memberId}`;
    if (this.rows.has(key)) throw new Conflict('member_exists', { member: member.memberId });
    this.rows.set(key, { ...member });
  }

  async find(imageId: string, memberId: string): Promise<Member | null> {
    return this.rows.get(`${imageId}/${memberId}`) ?? null;
  }

  async listByImage(imageId: string): Promise<Member[]> {
    return [...this.rows.values()].filter((member) => member.imageId === imageId);
  }

  async updateStatus(imageId: string, memberId: string, status: MemberStatus, at: Date): Promise<boolean> {
    const member = this.rows.get(`${imageId}/${memberId}`);
    if (member === undefined) return false;
    this.rows.set(`${imageId}/${memberId}`, { ...member, status, updatedAt: at });
    return true;
  }

  async remove(imageId: string, memberId: string): Promise<boolean> {
    return this.rows.delete(`${imageId}/${memberId}`);
  }

  async removeAll(imageId: string): Promise<void> {
    for (const [key, member] of this.rows) {
      if (member.imageId === imageId) this.rows.delete(key);
    }
  }
}
