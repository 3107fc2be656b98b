import { Image, ImageListQuery, ListViewer, SortKey } from '@iris/domain';
import { Brackets, SelectQueryBuilder, WhereExpressionBuilder } from 'typeorm';
import { ImageRow } from '../entities';

/**
 * Column of each sort key. SQLite and MySQL both sort NULL first when
 * ascending and last when descending, and the marker condition relies on it.
 */
const SORT_COLUMNS: Record<SortKey, { column: string; field: keyof Image }> = {
  name: { column: 'i.name', field: 'name' },
  status: { column: 'i.status', field: 'status' },
  container_format: { column: 'i.container_format', field: 'containerFormat' },
  disk_format: { column: 'i.disk_format', field: 'diskFormat' },
  size: { column: 'i.size', field: 'size' },
  id: { column: 'i.id', field: 'id' },
  created_at: { column: 'i.created_at', field: 'createdAt' },
  updated_at: { column: 'i.updated_at', field: 'updatedAt' },
};

const FILTER_COLUMNS = {
  id: 'i.id',
  name: 'i.name',
  status: 'i.status',
  container_format: 'i.container_format',
  disk_format: 'i.disk_format',
  size: 'i.size',
  virtual_size: 'i.virtual_size',
  min_ram: 'i.min_ram',
  min_disk: 'i.min_disk',
  created_at: 'i.created_at',
  updated_at: 'i.updated_at',
} as const;

const TIME_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;

/** Adds every filter of the query, and the viewer's visibility rules, to the builder. */
export function applyListFilters(
  qb: SelectQueryBuilder<ImageRow>,
  query: ImageListQuery,
  viewer: ListViewer,
): void {
  qb.where('i.deleted = :notDeleted', { notDeleted: false });
  qb.andWhere("i.status <> 'killed'");
  applyVisibility(qb, query, viewer);
  if (query.excludedVisibility !== undefined) {
    qb.andWhere('i.visibility <> :excludedVisibility', { excludedVisibility: query.excludedVisibility });
  }
  qb.andWhere('i.os_hidden = :osHidden', { osHidden: query.osHidden });

  let n = 0;
  const param = (): string => `p${n++}`;
  for (const [key, values] of Object.entries(query.columns)) {
    const name = param();
    qb.andWhere(`${FILTER_COLUMNS[key as keyof typeof FILTER_COLUMNS]} IN (:...${name})`, { [name]: values });
  }
  if (query.owner !== null) qb.andWhere('i.owner = :owner', { owner: query.owner });
  if (query.protected !== null) qb.andWhere('i.protected = :protected', { protected: query.protected });
  if (query.checksum !== null) qb.andWhere('i.checksum = :checksum', { checksum: query.checksum });
  if (query.osHashValue !== null) {
    qb.andWhere('i.os_hash_value = :osHashValue', { osHashValue: query.osHashValue });
  }
  for (const range of query.ranges) {
    const column = FILTER_COLUMNS[range.key];
    if (range.min !== null) qb.andWhere(`${column} >= :${param()}`, { [`p${n - 1}`]: range.min });
    if (range.max !== null) qb.andWhere(`${column} <= :${param()}`, { [`p${n - 1}`]: range.max });
  }
  for (const time of query.times) {
    const name = param();
    qb.andWhere(`${FILTER_COLUMNS[time.key]} ${TIME_OPERATORS[time.operator]} :${name}`, {
      [name]: time.value,
    });
  }
  for (const tag of query.tags) {
    const name = param();
    qb.andWhere(`EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = :${name})`, {
      [name]: tag,
    });
  }
  for (const [key, value] of Object.entries(query.properties)) {
    const keyName = param();
    const valueName = param();
    qb.andWhere(
      `EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id ` +
        `AND p.name = :${keyName} AND p.value = :${valueName})`,
      { [keyName]: key, [valueName]: value },
    );
  }
}

/**
 * Applies Glance's listing rules. An admin lists everything but other
 * projects' community images. Anyone else lists its own images, public ones,
 * and shared ones it is a member of with the requested member status.
 * Community images of others appear only when requested.
 */
function applyVisibility(qb: SelectQueryBuilder<ImageRow>, query: ImageListQuery, viewer: ListViewer): void {
  const visibility = query.visibility;
  if (visibility !== null && visibility !== 'all') {
    qb.andWhere('i.visibility = :visibility', { visibility });
  }
  if (viewer.isAdmin) {
    if (visibility === null) {
      qb.andWhere(
        new Brackets((w) => {
          w.where("i.visibility <> 'community'");
          if (viewer.projectId !== null) w.orWhere('i.owner = :viewerProject', { viewerProject: viewer.projectId });
        }),
      );
    }
    return;
  }
  qb.andWhere(
    new Brackets((w) => {
      w.where("i.visibility = 'public'");
      if (visibility === 'community' || visibility === 'all') w.orWhere("i.visibility = 'community'");
      if (viewer.projectId === null) return;
      w.orWhere('i.owner = :viewerProject', { viewerProject: viewer.projectId });
      addMembership(w, query.memberStatus);
    }),
  );
}

function addMembership(w: WhereExpressionBuilder, memberStatus: ImageListQuery['memberStatus']): void {
  const statusCondition = memberStatus === 'all' ? '' : ' AND m.status = :memberStatus';
  w.orWhere(
    "(i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m " +
      `WHERE m.image_id = i.id AND m.member = :viewerProject${statusCondition}))`,
    { memberStatus },
  );
}

export function applyOrder(qb: SelectQueryBuilder<ImageRow>, sort: ImageListQuery['sort']): void {
  sort.forEach((item, i) => {
    const direction = item.direction === 'asc' ? 'ASC' : 'DESC';
    if (i === 0) qb.orderBy(SORT_COLUMNS[item.key].column, direction);
    else qb.addOrderBy(SORT_COLUMNS[item.key].column, direction);
  });
}

/**
 * Keeps only rows after the marker in the sort order (keyset pagination):
 * rows equal to the marker on the first keys and after it on the next one.
 */
export function applyMarker(
  qb: SelectQueryBuilder<ImageRow>,
  sort: ImageListQuery['sort'],
  marker: Image,
): void {
  const values = sort.map((item) => marker[SORT_COLUMNS[item.key].field] as unknown);
  qb.andWhere(
    new Brackets((outer) => {
      sort.forEach((item, i) => {
        outer.orWhere(
          new Brackets((inner) => {
            for (let j = 0; j < i; j++) inner.andWhere(equalTo(sort[j].key, values[j], j));
            inner.andWhere(after(item.key, item.direction, values[i], i));
          }),
        );
      });
    }),
  );
  sort.forEach((_item, i) => {
    if (values[i] !== null) qb.setParameter(`m${i}`, values[i]);
  });
}

function equalTo(key: SortKey, value: unknown, i: number): string {
  const column = SORT_COLUMNS[key].column;
  return value === null ? `${column} IS NULL` : `${column} = :m${i}`;
}

function after(key: SortKey, direction: 'asc' | 'desc', value: unknown, i: number): string {
  const column = SORT_COLUMNS[key].column;
  if (direction === 'asc') {
    return value === null ? `${column} IS NOT NULL` : `${column} > :m${i}`;
  }
  return value === null ? '1 = 0' : `(${column} < :m${i} OR ${column} IS NULL)`;
}
