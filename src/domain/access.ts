/** Who may use the bot where. Empty allow-lists mean "everywhere". */
export interface AccessPolicy {
  readonly allowedGuildIds: ReadonlySet<string>;
  readonly allowedChannelIds: ReadonlySet<string>;
  readonly allowedRoleIds: ReadonlySet<string>;
  readonly blockedUserIds: ReadonlySet<string>;
}

export interface Asker {
  readonly userId: string;
  /** Undefined in DMs. */
  readonly guildId?: string | undefined;
  readonly channelId: string;
  /** The channel a thread belongs to: a thread of an allowed channel is allowed too. */
  readonly parentChannelId?: string | undefined;
  readonly roleIds: readonly string[];
}

export type AccessDecision = 'allowed' | 'blocked' | 'not_enabled';

export const OPEN_POLICY: AccessPolicy = {
  allowedGuildIds: new Set(),
  allowedChannelIds: new Set(),
  allowedRoleIds: new Set(),
  blockedUserIds: new Set(),
};

/**
 * Blocked users are refused everywhere. In a server, the guild, channel (or the thread's parent) and
 * one of the member's roles must each be allowed when that list is set. DMs have no guild, channel
 * list or roles to check: they are open only while no allow-list is set, since an owner who limits
 * the bot to a server, some channels or some roles does not expect strangers to use it in DMs.
 */
export function decideAccess(asker: Asker, policy: AccessPolicy): AccessDecision {
  if (policy.blockedUserIds.has(asker.userId)) return 'blocked';
  if (asker.guildId === undefined) {
    return policy.allowedGuildIds.size === 0 && policy.allowedChannelIds.size === 0 && policy.allowedRoleIds.size === 0
      ? 'allowed'
      : 'not_enabled';
  }
  if (policy.allowedGuildIds.size > 0 && !policy.allowedGuildIds.has(asker.guildId)) return 'not_enabled';
  if (
    policy.allowedChannelIds.size > 0 &&
    !policy.allowedChannelIds.has(asker.channelId) &&
    !(asker.parentChannelId !== undefined && policy.allowedChannelIds.has(asker.parentChannelId))
  ) {
    return 'not_enabled';
  }
  if (policy.allowedRoleIds.size > 0 && !asker.roleIds.some((r) => policy.allowedRoleIds.has(r))) return 'not_enabled';
  return 'allowed';
}
