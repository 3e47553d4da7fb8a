import { describe, expect, it } from 'vitest';
import { type AccessPolicy, decideAccess, OPEN_POLICY } from '../../src/domain/access.js';

const policy = (p: Partial<Record<keyof AccessPolicy, string[]>>): AccessPolicy => ({
  allowedGuildIds: new Set(p.allowedGuildIds),
  allowedChannelIds: new Set(p.allowedChannelIds),
  allowedRoleIds: new Set(p.allowedRoleIds),
  blockedUserIds: new Set(p.blockedUserIds),
});

const inGuild = { userId: 'u1', guildId: 'g1', channelId: 'c1', roleIds: ['r1'] };

describe('decideAccess', () => {
  it.each([
    { name: 'open policy, guild', asker: inGuild, p: OPEN_POLICY, expected: 'allowed' },
    { name: 'open policy, DM', asker: { userId: 'u1', channelId: 'dm', roleIds: [] }, p: OPEN_POLICY, expected: 'allowed' },
    { name: 'blocked user in a guild', asker: inGuild, p: policy({ blockedUserIds: ['u1'] }), expected: 'blocked' },
    { name: 'blocked user in a DM', asker: { userId: 'u1', channelId: 'dm', roleIds: [] }, p: policy({ blockedUserIds: ['u1'] }), expected: 'blocked' },
    { name: 'guild allowed', asker: inGuild, p: policy({ allowedGuildIds: ['g1'] }), expected: 'allowed' },
    { name: 'other guild', asker: inGuild, p: policy({ allowedGuildIds: ['g2'] }), expected: 'not_enabled' },
    { name: 'DM when guilds are limited', asker: { userId: 'u1', channelId: 'dm', roleIds: [] }, p: policy({ allowedGuildIds: ['g1'] }), expected: 'not_enabled' },
    { name: 'DM when channels are limited', asker: { userId: 'u1', channelId: 'dm', roleIds: [] }, p: policy({ allowedChannelIds: ['c1'] }), expected: 'not_enabled' },
    { name: 'DM when roles are limited', asker: { userId: 'u1', channelId: 'dm', roleIds: [] }, p: policy({ allowedRoleIds: ['r1'] }), expected: 'not_enabled' },
    { name: 'channel allowed', asker: inGuild, p: policy({ allowedChannelIds: ['c1'] }), expected: 'allowed' },
    { name: 'other channel', asker: inGuild, p: policy({ allowedChannelIds: ['c2'] }), expected: 'not_enabled' },
    { name: 'thread of an allowed channel', asker: { ...inGuild, channelId: 't1', parentChannelId: 'c2' }, p: policy({ allowedChannelIds: ['c2'] }), expected: 'allowed' },
    { name: 'role allowed', asker: inGuild, p: policy({ allowedRoleIds: ['r1', 'r9'] }), expected: 'allowed' },
    { name: 'no allowed role', asker: inGuild, p: policy({ allowedRoleIds: ['r9'] }), expected: 'not_enabled' },
    { name: 'all lists must pass', asker: inGuild, p: policy({ allowedGuildIds: ['g1'], allowedChannelIds: ['c1'], allowedRoleIds: ['r2'] }), expected: 'not_enabled' },
  ])('$name → $expected', ({ asker, p, expected }) => {
    expect(decideAccess(asker, p)).toBe(expected);
  });
});
