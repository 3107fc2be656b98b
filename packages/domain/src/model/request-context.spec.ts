import { expandRoles, makeContext } from './request-context';

describe('expandRoles', () => {
  it('admin implies member and reader', () => {
    expect(expandRoles(['admin']).sort()).toEqual(['admin', 'member', 'reader']);
  });

  it('member implies reader', () => {
    expect(expandRoles(['member']).sort()).toEqual(['member', 'reader']);
  });

  it('reader implies nothing', () => {
    expect(expandRoles(['reader'])).toEqual(['reader']);
  });

  it('unknown roles kept', () => {
    expect(expandRoles(['load-balancer_observer'])).toEqual(['load-balancer_observer']);
  });

  it('lower-cases and trims names', () => {
    expect(expandRoles([' Admin ']).sort()).toEqual(['admin', 'member', 'reader']);
  });

  it('drops blanks and duplicates', () => {
    expect(expandRoles(['reader', '', '  ', 'READER'])).toEqual(['reader']);
  });

  it('empty list stays empty', () => {
    expect(expandRoles([])).toEqual([]);
  });
});

describe('makeContext', () => {
  it('admin role sets isAdmin', () => {
    const ctx = makeContext({ requestId: 'req-1', projectId: 'p', roles: ['Admin'] });
    expect(ctx.isAdmin).toBe(true);
    expect([...ctx.roles].sort()).toEqual(['admin', 'member', 'reader']);
  });

  it('member role is not admin', () => {
    expect(makeContext({ requestId: 'req-1', roles: ['member'] }).isAdmin).toBe(false);
  });

  it('missing fields default to null', () => {
    expect(makeContext({ requestId: 'req-1' })).toEqual({
      requestId: 'req-1',
      userId: null,
      projectId: null,
      userDomainId: null,
      projectDomainId: null,
      roles: [],
      isAdmin: false,
    });
  });
});
