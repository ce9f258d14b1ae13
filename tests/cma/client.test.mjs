// The official DatoCMS client (@datocms/cma-client-node, pinned in
// package.json) against roster's /cma dialect behind nginx, unmodified:
// buildClient({ apiToken, baseUrl: 'http://HOST/cma' }).  API.md "The
// Site-invitation API (DatoCMS dialect)": every route of its table, and
// every rejection arriving as the client's ApiError with the status and
// the error code asserted.
//
// Run by tests/e2e/test_cma.py, which makes the fixtures and passes them
// in the environment:
//   ROSTER_CMA_BASE_URL        http://127.0.0.1:PORT/cma
//   ROSTER_CMA_WEBSITE_ID      the website
//   ROSTER_CMA_OWNER_TOKEN     the owner's dft_ token, allowlist = [website]
//   ROSTER_CMA_OWNER_ID        the owner's user id
//   ROSTER_CMA_UNSCOPED_TOKEN  the owner's dft_ token without allowlist
//   ROSTER_CMA_MEMBER_TOKEN    a member's dft_ token, allowlist = [website]
//   ROSTER_CMA_KEY             the website's df_ key
//   ROSTER_CMA_REVOKED_TOKEN   a dft_ token of the owner, revoked
//   ROSTER_CMA_VIEWER_ID       a viewer of the website (found, then removed)
//   ROSTER_CMA_VIEWER_EMAIL    that viewer's email
//   ROSTER_CMA_EMAIL_DOMAIN    a domain for fresh invitation emails
//   ROSTER_CMA_MEMBER_ID       the member's user id
//   ROSTER_CMA_OTHER_ID        another member, whose role users.update changes
//   ROSTER_CMA_KEY_ID          the df_ key's id
//   ROSTER_CMA_SITE_NAME       the website's name
//   ROSTER_CMA_SITE_DOMAIN     the website's domain
//
// The clients keep their default autoRetry: a response the client does not
// take for a final answer (a non-JSON GET, a transient error) would make
// it retry for ever, which the per-test timeout turns into a failure.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { ApiError, buildClient } from '@datocms/cma-client-node';

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `missing environment variable ${name}`);
  return v;
};

const baseUrl = env('ROSTER_CMA_BASE_URL');
const websiteId = env('ROSTER_CMA_WEBSITE_ID');
const ownerId = env('ROSTER_CMA_OWNER_ID');
const viewerId = env('ROSTER_CMA_VIEWER_ID');
const viewerEmail = env('ROSTER_CMA_VIEWER_EMAIL');
const domain = env('ROSTER_CMA_EMAIL_DOMAIN');
const memberId = env('ROSTER_CMA_MEMBER_ID');
const otherId = env('ROSTER_CMA_OTHER_ID');
const keyId = env('ROSTER_CMA_KEY_ID');
const siteName = env('ROSTER_CMA_SITE_NAME');
const siteDomain = env('ROSTER_CMA_SITE_DOMAIN');
const origin = new URL(baseUrl).origin;

// What the client put on the wire, for the tests that check it: every
// request of `recorded` through fetchFn (the client's own option).
const sent = [];
const recordingFetch = (url, init) => {
  sent.push({ url: String(url), method: init.method, body: init.body });
  return fetch(url, init);
};

const client = (apiToken, extra = {}) =>
  buildClient({ apiToken, baseUrl, ...extra });

const owner = client(env('ROSTER_CMA_OWNER_TOKEN'));
const recorded = client(env('ROSTER_CMA_OWNER_TOKEN'), {
  fetchFn: recordingFetch,
});
const member = client(env('ROSTER_CMA_MEMBER_TOKEN'));
const key = client(env('ROSTER_CMA_KEY'));
const revoked = client(env('ROSTER_CMA_REVOKED_TOKEN'));
const unscoped = env('ROSTER_CMA_UNSCOPED_TOKEN');

const HEX24 = /^[0-9a-f]{24}$/;
const T = { timeout: 20000 };

let n = 0;
const freshEmail = (tag) =>
  `cma-${tag}-${++n}-${randomBytes(3).toString('hex')}@${domain}`;
const role = (id) => ({ type: 'role', id });
const unknownId = () =>
  Math.floor(Date.now() / 1000).toString(16).padStart(8, '0') +
  randomBytes(8).toString('hex');

// The call must reject with the client's ApiError, at this status, with
// an api_error of this code (and these details, when given).
async function rejects(promise, status, code, details) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected an ApiError ${status} ${code}, got a success`);
  assert.ok(
    error instanceof ApiError,
    `expected an ApiError, got ${error && error.stack}`,
  );
  assert.equal(error.response.status, status, error.message);
  const found = error.findError(code, details);
  assert.ok(
    found,
    `no ${code} ${JSON.stringify(details || {})} in ${JSON.stringify(
      error.errors,
    )}`,
  );
  assert.equal(found.type, 'api_error');
  assert.equal(typeof found.id, 'string');
  assert.equal(typeof found.attributes.details, 'object');
  assert.notEqual(found.attributes.transient, true);
  // doc_url (the client's types declare it): the code's section of the API
  // reference roster serves, PUBLIC_URL/docs/api-reference.md#code.
  assert.equal(
    found.attributes.doc_url,
    `${origin}/docs/api-reference.md#${code.toLowerCase()}`,
  );
  const ct = error.response.headers['content-type'];
  assert.match(ct, /^application\/json/);
  return error;
}

function assertInvitation(inv, { email, roleId, link }) {
  assert.equal(inv.type, 'site_invitation');
  assert.match(inv.id, HEX24);
  assert.equal(inv.email, email);
  assert.equal(inv.expired, false);
  assert.deepEqual(inv.role, role(roleId));
  if (link) {
    assert.match(inv.invitation_link, /\/join\?token=[A-Za-z0-9_-]{40,}$/);
  } else {
    assert.equal(inv.invitation_link, null);
  }
}

test('roles: list and find; ids are the role names', T, async () => {
  const roles = await owner.roles.list();
  assert.deepEqual(
    roles.map((r) => [r.type, r.id, r.name]),
    [
      ['role', 'member', 'Member'],
      ['role', 'viewer', 'Viewer'],
    ],
  );
  const viewer = await owner.roles.find('viewer');
  assert.equal(viewer.id, 'viewer');
  assert.equal(viewer.name, 'Viewer');
  assert.equal(viewer.can_manage_users, false);
  assert.deepEqual(viewer.inherits_permissions_from, []);
  // A df_ key and a member read them too.
  assert.equal((await key.roles.list()).length, 2);
  assert.equal((await member.roles.find('member')).name, 'Member');
  await rejects(owner.roles.find('owner'), 404, 'NOT_FOUND');
});

test('site invitations: create, list, find, update, resend, destroy', T, async () => {
  const email = freshEmail('life');
  const created = await owner.siteInvitations.create({
    email: `  ${email.toUpperCase()} `,
    role: role('member'),
  });
  // Trimmed and lowercased (API.md "Invite team member"), link shown once.
  assertInvitation(created, { email, roleId: 'member', link: true });

  const listed = await owner.siteInvitations.list();
  const entry = listed.find((i) => i.id === created.id);
  assert.ok(entry, 'the new invitation is listed');
  assertInvitation(entry, { email, roleId: 'member', link: false });

  const found = await owner.siteInvitations.find(created.id);
  assertInvitation(found, { email, roleId: 'member', link: false });
  // A member and the website's key read invitations as well.
  assert.equal((await member.siteInvitations.find(created.id)).id, created.id);
  assert.ok((await key.siteInvitations.list()).some((i) => i.id === created.id));

  const updated = await owner.siteInvitations.update(created.id, {
    role: role('viewer'),
  });
  assertInvitation(updated, { email, roleId: 'viewer', link: false });
  assert.deepEqual((await owner.siteInvitations.find(created.id)).role, role('viewer'));
  // An update of nothing changes nothing.
  const same = await owner.siteInvitations.update(created.id, {});
  assert.deepEqual(same.role, role('viewer'));

  const resent = await owner.siteInvitations.resend(created.id);
  assertInvitation(resent, { email, roleId: 'viewer', link: true });
  assert.notEqual(resent.invitation_link, created.invitation_link);

  const destroyed = await owner.siteInvitations.destroy(created.id);
  assert.equal(destroyed.id, created.id);
  assert.equal(destroyed.type, 'site_invitation');
  assert.equal(destroyed.email, email);
  await rejects(owner.siteInvitations.find(created.id), 404, 'NOT_FOUND');
  assert.ok(!(await owner.siteInvitations.list()).some((i) => i.id === created.id));
});

test('create: an invalid email is INVALID_FIELD email VALIDATION_FORMAT', T, async () => {
  for (const email of ['not-an-email', 'a@', '@b.example.com', `${'x'.repeat(250)}@e.com`]) {
    await rejects(
      owner.siteInvitations.create({ email, role: role('viewer') }),
      422,
      'INVALID_FIELD',
      { field: 'email', code: 'VALIDATION_FORMAT' },
    );
  }
});

test('create: a duplicate invitation is INVALID_FIELD email VALIDATION_UNIQUENESS', T, async () => {
  const email = freshEmail('dup');
  const first = await owner.siteInvitations.create({ email, role: role('viewer') });
  await rejects(
    owner.siteInvitations.create({ email, role: role('member') }),
    422,
    'INVALID_FIELD',
    { field: 'email', code: 'VALIDATION_UNIQUENESS' },
  );
  // So is the email of a collaborator.
  await rejects(
    owner.siteInvitations.create({ email: viewerEmail, role: role('viewer') }),
    422,
    'INVALID_FIELD',
    { field: 'email', code: 'VALIDATION_UNIQUENESS' },
  );
  await owner.siteInvitations.destroy(first.id);
  // Revoked, the email is free again.
  const again = await owner.siteInvitations.create({ email, role: role('viewer') });
  await owner.siteInvitations.destroy(again.id);
});

test('create: a role that is not member or viewer is INVALID_FIELD role', T, async () => {
  for (const id of ['owner', 'admin', '34']) {
    await rejects(
      owner.siteInvitations.create({ email: freshEmail('role'), role: role(id) }),
      422,
      'INVALID_FIELD',
      { field: 'role' },
    );
  }
});

test('unknown ids are NOT_FOUND on every route that takes one', T, async () => {
  const id = unknownId();
  await rejects(owner.siteInvitations.find(id), 404, 'NOT_FOUND');
  await rejects(owner.siteInvitations.update(id, { role: role('viewer') }), 404, 'NOT_FOUND');
  await rejects(owner.siteInvitations.resend(id), 404, 'NOT_FOUND');
  await rejects(owner.siteInvitations.destroy(id), 404, 'NOT_FOUND');
  await rejects(owner.users.find(id), 404, 'NOT_FOUND');
  await rejects(owner.users.destroy(id), 404, 'NOT_FOUND');
  // Not an id at all: still a 404, never a 500.
  await rejects(owner.siteInvitations.find('312'), 404, 'NOT_FOUND');
});

test('a revoked token is INVALID_AUTHORIZATION_HEADER', T, async () => {
  await rejects(revoked.siteInvitations.list(), 401, 'INVALID_AUTHORIZATION_HEADER');
  await rejects(revoked.roles.list(), 401, 'INVALID_AUTHORIZATION_HEADER');
  await rejects(
    revoked.siteInvitations.create({ email: freshEmail('rev'), role: role('viewer') }),
    401,
    'INVALID_AUTHORIZATION_HEADER',
  );
  await rejects(
    client('dft_not-a-token').users.list(),
    401,
    'INVALID_AUTHORIZATION_HEADER',
  );
});

test('a non-owner may read but not write: INSUFFICIENT_PERMISSIONS', T, async () => {
  const inv = await owner.siteInvitations.create({
    email: freshEmail('perm'),
    role: role('viewer'),
  });
  for (const c of [member, key]) {
    await rejects(
      c.siteInvitations.create({ email: freshEmail('perm'), role: role('viewer') }),
      403,
      'INSUFFICIENT_PERMISSIONS',
    );
    await rejects(c.siteInvitations.update(inv.id, { role: role('member') }), 403, 'INSUFFICIENT_PERMISSIONS');
    await rejects(c.siteInvitations.resend(inv.id), 403, 'INSUFFICIENT_PERMISSIONS');
    await rejects(c.siteInvitations.destroy(inv.id), 403, 'INSUFFICIENT_PERMISSIONS');
    await rejects(c.users.destroy(viewerId), 403, 'INSUFFICIENT_PERMISSIONS');
  }
  // Nothing changed.
  assert.deepEqual((await owner.siteInvitations.find(inv.id)).role, role('viewer'));
  await owner.siteInvitations.destroy(inv.id);
});

test('users: list, find, destroy; the owner is not a collaborator', T, async () => {
  const users = await owner.users.list();
  const viewer = users.find((u) => u.id === viewerId);
  assert.ok(viewer, `viewer ${viewerId} listed in ${JSON.stringify(users)}`);
  assert.equal(viewer.type, 'user');
  assert.equal(viewer.email, viewerEmail);
  assert.deepEqual(viewer.role, role('viewer'));
  assert.equal(typeof viewer.full_name, 'string');
  assert.equal(viewer.is_active, true);
  assert.ok(users.every((u) => u.id !== ownerId), 'the owner is not listed');
  assert.ok(users.some((u) => u.role.id === 'member'), 'the member is listed');
  assert.equal((await key.users.list()).length, users.length);

  const found = await member.users.find(viewerId);
  assert.equal(found.email, viewerEmail);
  await rejects(owner.users.find(ownerId), 404, 'NOT_FOUND');

  const destroyed = await owner.users.destroy(viewerId);
  assert.equal(destroyed.id, viewerId);
  assert.deepEqual(destroyed.role, role('viewer'));
  await rejects(owner.users.find(viewerId), 404, 'NOT_FOUND');
  assert.ok(!(await owner.users.list()).some((u) => u.id === viewerId));
  await rejects(owner.users.destroy(ownerId), 404, 'NOT_FOUND');
});

test('X-Site-Id (extraHeaders) chooses the website of an unscoped token', T, async () => {
  const withSite = client(unscoped, { extraHeaders: { 'X-Site-Id': websiteId } });
  const inv = await withSite.siteInvitations.create({
    email: freshEmail('site'),
    role: role('member'),
  });
  assert.ok((await owner.siteInvitations.list()).some((i) => i.id === inv.id));
  await withSite.siteInvitations.destroy(inv.id);
  // Without the header an unscoped token reaches no single website.
  await rejects(client(unscoped).siteInvitations.list(), 403, 'INSUFFICIENT_PERMISSIONS');
  // A website that does not exist.
  await rejects(
    client(unscoped, { extraHeaders: { 'X-Site-Id': unknownId() } }).siteInvitations.list(),
    404,
    'NOT_FOUND',
  );
});

test('the environment option (X-Environment) is ignored', T, async () => {
  const c = client(env('ROSTER_CMA_OWNER_TOKEN'), { environment: 'main' });
  assert.equal((await c.roles.list()).length, 2);
});

// -------------------------------------------------------------------------
// users.update, users.findMe, site.find, include=role, doc_url

test('users.update changes a collaborator\'s role; is_active only true', T, async () => {
  sent.length = 0;
  const updated = await recorded.users.update(otherId, { role: role('viewer') });
  assert.equal(updated.id, otherId);
  assert.deepEqual(updated.role, role('viewer'));
  // What the client sends: PUT /users/ID, data.relationships.role, no
  // attributes when none are given.
  const put = sent.find((r) => r.method === 'PUT');
  assert.equal(put.url, `${baseUrl}/users/${otherId}`);
  const body = JSON.parse(put.body);
  assert.deepEqual(body, {
    data: {
      id: otherId,
      type: 'user',
      relationships: { role: { data: { id: 'viewer', type: 'role' } } },
    },
  });
  assert.deepEqual((await owner.users.find(otherId)).role, role('viewer'));
  const again = await owner.users.update(otherId, {
    is_active: true,
    role: role('member'),
  });
  assert.deepEqual(again.role, role('member'));
  assert.equal(again.is_active, true);
  // Nothing to change: the collaborator as they are.
  assert.deepEqual((await owner.users.update(otherId, {})).role, role('member'));
  await rejects(
    owner.users.update(otherId, { is_active: false }),
    422,
    'INVALID_FIELD',
    { field: 'is_active' },
  );
  await rejects(owner.users.update(otherId, { role: role('owner') }), 422, 'INVALID_FIELD', {
    field: 'role',
  });
  await rejects(owner.users.update(ownerId, { role: role('viewer') }), 404, 'NOT_FOUND');
  await rejects(owner.users.update(unknownId(), { role: role('viewer') }), 404, 'NOT_FOUND');
  for (const c of [member, key]) {
    await rejects(c.users.update(otherId, { role: role('viewer') }), 403, 'INSUFFICIENT_PERMISSIONS');
  }
  assert.deepEqual((await owner.users.find(otherId)).role, role('member'));
});

test('users.findMe: the token\'s user, the owner too; a df_ key as an access token', T, async () => {
  const me = await owner.users.findMe();
  assert.equal(me.type, 'user');
  assert.equal(me.id, ownerId);
  assert.deepEqual(me.role, role('owner'));
  assert.equal(typeof me.email, 'string');
  const m = await member.users.findMe();
  assert.equal(m.id, memberId);
  assert.deepEqual(m.role, role('member'));
  const k = await key.users.findMe();
  assert.equal(k.type, 'access_token');
  assert.equal(k.id, keyId);
  assert.deepEqual(k.role, role('member'));
  assert.equal(k.token, null);
  await rejects(revoked.users.findMe(), 401, 'INVALID_AUTHORIZATION_HEADER');
});

test('include=role sideloads the roles (users.find, users.findMe, a list request)', T, async () => {
  // users.find(id, { include: 'role' }) sends ?include=role; the raw body
  // carries the sideloaded roles in `included`.
  sent.length = 0;
  const found = await recorded.users.rawFind(memberId, { include: 'role' });
  assert.match(sent[0].url, /\/users\/[0-9a-f]{24}\?include=role$/);
  assert.equal(found.data.id, memberId);
  assert.deepEqual(
    found.included.map((r) => [r.type, r.id, r.attributes.name]),
    [['role', 'member', 'Member']],
  );
  assert.equal((await owner.users.find(memberId, { include: 'role' })).id, memberId);
  const me = await owner.users.rawFindMe({ include: 'role' });
  assert.deepEqual(
    me.included.map((r) => r.id),
    ['owner'],
  );
  assert.equal(me.included[0].attributes.can_manage_users, true);
  // users.list() takes no parameters; the client's own request() does.
  const listed = await owner.request({
    method: 'GET',
    url: '/users',
    queryParams: { include: 'role' },
  });
  const ids = new Set(listed.data.map((u) => u.relationships.role.data.id));
  assert.deepEqual(
    listed.included.map((r) => r.id).sort(),
    [...ids].sort(),
  );
  // Without include nothing is sideloaded.
  assert.equal((await owner.users.rawFind(memberId)).included, undefined);
});

test('site.find: the website as a DatoCMS site', T, async () => {
  for (const c of [owner, member, key]) {
    const site = await c.site.find();
    assert.equal(site.type, 'site');
    assert.equal(site.id, websiteId);
    assert.equal(site.name, siteName);
    assert.equal(site.domain, siteDomain);
    assert.equal(site.timezone, 'UTC');
  }
  await rejects(revoked.site.find(), 401, 'INVALID_AUTHORIZATION_HEADER');
});

test('doc_url leads to the reference roster serves, to the code\'s section', T, async () => {
  const error = await rejects(owner.siteInvitations.find(unknownId()), 404, 'NOT_FOUND');
  const url = error.findError('NOT_FOUND').attributes.doc_url;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(text.includes('\n#### `NOT_FOUND`\n'), 'the page has the code\'s heading');
});
