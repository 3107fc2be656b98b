import { InvalidInput } from '../errors';
import { makeContext } from './request-context';
import { parseV1ListQuery } from './v1-image-list-query';

const PAGING = { defaultLimit: 25, maxLimit: 1000 };
const USER = makeContext({
  requestId: 'req-1',
  projectId: 'p1',
  roles: ['member'],
});
const ADMIN = makeContext({
  requestId: 'req-2',
  projectId: 'p0',
  roles: ['admin'],
});

describe('parseV1ListQuery', () => {
  it('lists shared images of any member status', () => {
    const { query, viewer } = parseV1ListQuery({}, USER, PAGING);

    expect(query.memberStatus).toBe('all');
    expect(query.visibility).toBeNull();
    expect(viewer).toEqual({ isAdmin: false, projectId: 'p1' });
  });

  it('sorts by created_at descending with an id tiebreaker', () => {
    const { query } = parseV1ListQuery({}, USER, PAGING);

    expect(query.sort).toEqual([
      { key: 'created_at', direction: 'desc' },
      { key: 'id', direction: 'desc' },
    ]);
  });

  it('adds tiebreakers in the given direction', () => {
    const params = { sort_key: 'name', sort_dir: 'asc' };

    const { query } = parseV1ListQuery(params, USER, PAGING);

    expect(query.sort.map((item) => `${item.key}:${item.direction}`)).toEqual([
      'name:asc',
      'created_at:asc',
      'id:asc',
    ]);
  });

  it.each([
    [undefined, false, null, undefined],
    ['true', false, null, undefined],
    ['1', false, null, undefined],
    ['false', true, 'all', 'public'],
    ['0', true, 'all', 'public'],
    ['None', true, 'all', undefined],
  ])('is_public=%s for an admin', (isPublic, asAdmin, visibility, excluded) => {
    const params = isPublic === undefined ? {} : { is_public: isPublic };

    const { query, viewer } = parseV1ListQuery(params, ADMIN, PAGING);

    expect(viewer.isAdmin).toBe(asAdmin);
    expect(query.visibility).toBe(visibility);
    expect(query.excludedVisibility).toBe(excluded);
  });

  it('ignores is_public of other callers', () => {
    const { query, viewer } = parseV1ListQuery(
      { is_public: 'none' },
      USER,
      PAGING,
    );

    expect(viewer.isAdmin).toBe(false);
    expect(query.visibility).toBeNull();
  });

  it('reads filters', () => {
    const params = {
      name: 'n',
      status: 'active',
      size_min: '10',
      size_max: '20',
      min_ram: '512',
      protected: 'False',
      'property-os_distro': 'debian',
      'changes-since': '2026-01-01T00:00:00Z',
    };

    const { query } = parseV1ListQuery(params, USER, PAGING);

    expect(query.columns).toEqual({ name: ['n'], status: ['active'] });
    expect(query.ranges).toEqual([
      { key: 'size', min: 10, max: 20 },
      { key: 'min_ram', min: 512, max: 512 },
    ]);
    expect(query.protected).toBe(false);
    expect(query.properties).toEqual({ os_distro: 'debian' });
    expect(query.times).toEqual([
      {
        key: 'updated_at',
        operator: 'gt',
        value: new Date('2026-01-01T00:00:00Z'),
      },
    ]);
  });

  it('caps the limit', () => {
    expect(parseV1ListQuery({ limit: '5000' }, USER, PAGING).query.limit).toBe(
      1000,
    );
  });

  it.each([
    [{ size_min: 'x' }, 'v1_invalid_filter_value'],
    [{ min_disk: '-2' }, 'v1_invalid_filter_value'],
    [{ is_public: 'maybe' }, 'v1_invalid_filter_value'],
    [{ protected: 'none' }, 'v1_protected_filter_invalid'],
    [{ 'changes-since': 'soon' }, 'v1_changes_since_invalid'],
    [{ limit: '1.5' }, 'v1_limit_not_integer'],
    [{ limit: '-1' }, 'v1_limit_negative'],
    [{ marker: 'abc' }, 'v1_invalid_marker'],
    [{ sort_key: 'owner' }, 'v1_invalid_sort_key'],
    [{ sort_dir: 'up' }, 'v1_invalid_sort_dir'],
  ])('rejects %j', (params, key) => {
    const attempt = (): unknown => parseV1ListQuery(params, USER, PAGING);

    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(expect.objectContaining({ key }));
  });
});
