import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type SlashCommandStringOption } from 'discord.js';

/**
 * A command that changes a channel's shared memory: by default only members who may manage
 * messages see it (server admins change that in Integrations settings); it works in servers and
 * in DMs with the bot.
 */
export function memoryCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);
}

/** The required `indices` option of /pin and /unpin. */
export function indicesOption(description: string) {
  return (option: SlashCommandStringOption) =>
    option.setName('indices').setDescription(description).setRequired(true).setMaxLength(400);
}
