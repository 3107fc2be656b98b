import { InvalidInput } from '../errors';
import { ImageListQuery, parseImageListQuery, parseIsoTime, QueryParameters } from './image-list-query';

const PAGING = { defaultLimit: 25, maxLimit: 1000 };

function parse(params: QueryParameters): ImageListQuery {
  return parseImageListQuery(params, PAGING);
}

const TIEBREAKERS_DESC = [
  { key: 'created_at', direction: 'desc' },
  { key: 'id', direction: 'desc' },
];

describe('parseImageListQuery paging', () => {
  it('empty query gives defaults', () => {
    expect(parse({})).toEqual({
      limit: 25,
      marker: null,
      sort: TIEBREAKERS_DESC,
      columns: {},
      visibility: null,
      memberStatus: 'accepted',
      owner: null,
      tags: [],
      protected: null,
      osHidden: false,
      ranges: [],
      times: [],
      checksum: null,
      osHashValue: null,
      properties: {},
    });
  });

  it.each([
    ['0', 0],
    ['7', 7],
    ['1000', 1000],
    ['1001', 1000],
    ['5000', 1000],
  ])('limit %s gives %d', (limit, expected) => {
    expect(parse({ limit }).limit).toBe(expected);
  });

  it.each(['-1', '2.5', 'abc', '', '1e3', ' 5'])('limit %j rejected', (limit) => {
    expect(() => parse({ limit })).toThrow(InvalidInput);
  });

  it('repeated limit uses last', () => {
    expect(parse({ limit: ['5', '10'] }).limit).toBe(10);
  });

  it('marker passed through', () => {
    expect(parse({ marker: 'abc' }).marker).toBe('abc');
  });
});

describe('parseImageListQuery sorting', () => {
  it('sort keys with tiebreakers', () => {
    expect(parse({ sort: 'name:asc,status:desc' }).sort).toEqual([
      { key: 'name', direction: 'asc' },
      { key: 'status', direction: 'desc' },
      ...TIEBREAKERS_DESC,
    ]);
  });

  it('sort direction defaults to desc', () => {
    expect(parse({ sort: 'name' }).sort).toEqual([{ key: 'name', direction: 'desc' }, ...TIEBREAKERS_DESC]);
  });

  it('sort spaces around items ignored', () => {
    expect(parse({ sort: 'name:asc, size:asc' }).sort.slice(0, 2)).toEqual([
      { key: 'name', direction: 'asc' },
      { key: 'size', direction: 'asc' },
    ]);
  });

  it('sort on id adds created_at only', () => {
    expect(parse({ sort: 'id:asc' }).sort).toEqual([
      { key: 'id', direction: 'asc' },
      { key: 'created_at', direction: 'asc' },
    ]);
  });

  it('sort on created_at adds id only', () => {
    expect(parse({ sort: 'created_at:asc' }).sort).toEqual([
      { key: 'created_at', direction: 'asc' },
      { key: 'id', direction: 'asc' },
    ]);
  });

  it('two sort items keep desc tiebreakers', () => {
    expect(parse({ sort: 'name:asc,status:asc' }).sort.slice(2)).toEqual([
      { key: 'created_at', direction: 'desc' },
      { key: 'id', direction: 'desc' },
    ]);
  });

  it('single sort_dir applies everywhere', () => {
    expect(parse({ sort_key: ['name', 'size'], sort_dir: 'asc' }).sort).toEqual([
      { key: 'name', direction: 'asc' },
      { key: 'size', direction: 'asc' },
      { key: 'created_at', direction: 'asc' },
      { key: 'id', direction: 'asc' },
    ]);
  });

  it('sort_dir per sort_key', () => {
    expect(parse({ sort_key: ['name', 'size'], sort_dir: ['asc', 'desc'] }).sort).toEqual([
      { key: 'name', direction: 'asc' },
      { key: 'size', direction: 'desc' },
      ...TIEBREAKERS_DESC,
    ]);
  });

  it('sort_key without sort_dir', () => {
    expect(parse({ sort_key: 'name' }).sort).toEqual([{ key: 'name', direction: 'desc' }, ...TIEBREAKERS_DESC]);
  });

  it('sort_dir alone sorts created_at', () => {
    expect(parse({ sort_dir: 'asc' }).sort).toEqual([
      { key: 'created_at', direction: 'asc' },
      { key: 'id', direction: 'asc' },
    ]);
  });

  it('sort_dir count mismatch rejected', () => {
    const params = { sort_key: ['name', 'size', 'status'], sort_dir: ['asc', 'desc'] };
    expect(() => parse(params)).toThrow(InvalidInput);
  });

  it.each([
    [{ sort: 'name:asc', sort_key: 'size' }],
    [{ sort: 'name:asc', sort_dir: 'asc' }],
  ])('mixed sort syntax %j rejected', (params) => {
    expect(() => parse(params)).toThrow(InvalidInput);
  });

  it.each([
    [{ sort: 'bogus:asc' }],
    [{ sort: 'min_ram' }],
    [{ sort: 'name:up' }],
    [{ sort: 'name:asc:x' }],
    [{ sort: 'name,' }],
    [{ sort_key: 'bogus' }],
    [{ sort_key: 'name', sort_dir: 'up' }],
  ])('bad sort %j rejected', (params) => {
    expect(() => parse(params)).toThrow(InvalidInput);
  });
});

describe('parseImageListQuery filters', () => {
  it('plain column value', () => {
    expect(parse({ name: 'cirros' }).columns).toEqual({ name: ['cirros'] });
  });

  it('eq operator on column', () => {
    expect(parse({ disk_format: 'eq:qcow2' }).columns).toEqual({ disk_format: ['qcow2'] });
  });

  it('in list with quotes', () => {
    expect(parse({ name: 'in:a,"b,c"' }).columns.name).toEqual(['a', 'b,c']);
  });

  it('in list quoted first', () => {
    expect(parse({ name: 'in:"a,b",c' }).columns.name).toEqual(['a,b', 'c']);
  });

  it('in list on id', () => {
    expect(parse({ id: 'in:x,y' }).columns.id).toEqual(['x', 'y']);
  });

  it.each(['in:"a', 'in:"a"b', 'in:a"b', 'in:a,"b'])('bad quoting %j rejected', (name) => {
    expect(() => parse({ name })).toThrow(InvalidInput);
  });

  it.each(['gt:x', 'neq:x', 'like:x'])('column operator %j rejected', (name) => {
    expect(() => parse({ name })).toThrow(InvalidInput);
  });

  it('status in list kept', () => {
    expect(parse({ status: 'in:active,queued' }).columns.status).toEqual(['active', 'queued']);
    expect(parse({ status: 'in:active,bogus' }).columns.status).toEqual(['active', 'bogus']);
  });

  it.each([
    ['true', true],
    ['false', false],
  ])('protected=%s parsed', (value, expected) => {
    expect(parse({ protected: value }).protected).toBe(expected);
  });

  it.each(['True', 'FALSE', '1', 'yes', ''])('protected=%j rejected', (value) => {
    expect(() => parse({ protected: value })).toThrow(InvalidInput);
  });

  it('os_hidden=true parsed', () => {
    expect(parse({ os_hidden: 'true' }).osHidden).toBe(true);
  });

  it('os_hidden accepts any case', () => {
    expect(parse({ os_hidden: 'True' }).osHidden).toBe(true);
  });

  it('os_hidden=yes rejected', () => {
    expect(() => parse({ os_hidden: 'yes' })).toThrow(InvalidInput);
  });

  it('protected=True rejected', () => {
    expect(() => parse({ protected: 'True' })).toThrow(InvalidInput);
  });

  it('created_at gte parsed', () => {
    expect(parse({ created_at: 'gte:2020-01-01T00:00:00Z' }).times).toEqual([
      { key: 'created_at', operator: 'gte', value: new Date('2020-01-01T00:00:00Z') },
    ]);
  });

  it('bare time means eq', () => {
    expect(parse({ updated_at: '2020-01-01T10:30:00Z' }).times).toEqual([
      { key: 'updated_at', operator: 'eq', value: new Date('2020-01-01T10:30:00Z') },
    ]);
  });

  it.each(['gte:yesterday', 'between:2020-01-01T00:00:00Z', 'in:2020-01-01', 'gt:'])(
    'created_at %j rejected',
    (value) => {
      expect(() => parse({ created_at: value })).toThrow(InvalidInput);
    },
  );

  it('changes-since rejected', () => {
    expect(() => parse({ 'changes-since': '2020-01-01T00:00:00Z' })).toThrow(InvalidInput);
  });

  it('size_min and size_max', () => {
    expect(parse({ size_min: '10', size_max: '20' }).ranges).toEqual([{ key: 'size', min: 10, max: 20 }]);
  });

  it('min_ram_min alone', () => {
    expect(parse({ min_ram_min: '512' }).ranges).toEqual([{ key: 'min_ram', min: 512, max: null }]);
  });

  it.each(['abc', '-1', '1.5', ''])('size_min %j rejected', (value) => {
    expect(() => parse({ size_min: value })).toThrow(InvalidInput);
  });

  it('unknown keys become properties', () => {
    expect(parse({ os_distro: 'ubuntu', hw_disk_bus: 'virtio' }).properties).toEqual({
      os_distro: 'ubuntu',
      hw_disk_bus: 'virtio',
    });
  });

  it('unknown _min key is property', () => {
    const query = parse({ foo_min: '3' });
    expect(query.properties).toEqual({ foo_min: '3' });
    expect(query.ranges).toEqual([]);
  });

  it('repeated tag collected', () => {
    expect(parse({ tag: ['x86', '64bit'] }).tags).toEqual(['x86', '64bit']);
  });

  it('single tag collected', () => {
    expect(parse({ tag: 'x86' }).tags).toEqual(['x86']);
  });

  it.each(['all', 'public', 'private', 'shared', 'community'])('visibility %s accepted', (visibility) => {
    expect(parse({ visibility }).visibility).toBe(visibility);
  });

  it('visibility bogus rejected', () => {
    expect(() => parse({ visibility: 'everyone' })).toThrow(InvalidInput);
  });

  it.each(['pending', 'accepted', 'rejected', 'all'])('member_status %s accepted', (status) => {
    expect(parse({ member_status: status }).memberStatus).toBe(status);
  });

  it('member_status bogus rejected', () => {
    expect(() => parse({ member_status: 'maybe' })).toThrow(InvalidInput);
  });

  it('owner checksum and hash', () => {
    const query = parse({ owner: 'project-a', checksum: 'abc', os_hash_value: 'def' });
    expect(query.owner).toBe('project-a');
    expect(query.checksum).toBe('abc');
    expect(query.osHashValue).toBe('def');
    expect(query.properties).toEqual({});
  });

  it('undefined value ignored', () => {
    expect(parse({ os_distro: undefined }).properties).toEqual({});
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2020-01-01', '2020-01-01T00:00:00.000Z'],
    ['2020-01-01T10:00', '2020-01-01T10:00:00.000Z'],
    ['2020-01-01T10:00:00', '2020-01-01T10:00:00.000Z'],
    ['2020-01-01T10:00:00.250Z', '2020-01-01T10:00:00.250Z'],
    ['2020-01-01T10:00:00+02:00', '2020-01-01T08:00:00.000Z'],
  ])('parses %s', (text, iso) => {
    expect(parseIsoTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', '2020-13-01', '2020-01-01T25:00:00Z', '01/02/2020'])('rejects %j', (text) => {
    expect(parseIsoTime(text)).toBeNull();
  });
});
