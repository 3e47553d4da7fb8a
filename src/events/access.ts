import { ChannelType, type Channel, type GuildMember, type APIInteractionGuildMember, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { Asker } from '../domain/access.js';

/** The facts access rules look at, read off a message or an interaction. */
export function askerOf(input: {
  userId: string;
  guildId: string | null;
  channel: Channel | null;
  channelId: string;
  member: GuildMember | APIInteractionGuildMember | null;
}): Asker {
  const channel = input.channel;
  const isThread =
    channel !== null &&
    (channel.type === ChannelType.PublicThread ||
      channel.type === ChannelType.PrivateThread ||
      channel.type === ChannelType.AnnouncementThread);
  const member = input.member;
  const roleIds = member === null ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  return {
    userId: input.userId,
    guildId: input.guildId ?? undefined,
    channelId: input.channelId,
    parentChannelId: isThread ? (channel.parentId ?? undefined) : undefined,
    roleIds,
  };
}

/** The asker of an interaction (a slash command, a button). */
export function askerOfInteraction(interaction: ChatInputCommandInteraction | ButtonInteraction): Asker {
  return askerOf({
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channel: interaction.channel,
    channelId: interaction.channelId,
    member: interaction.member,
  });
}
