import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { MessageFlags } from 'discord.js';
import { plural } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';
import { MAX_LIMIT, MIN_LIMIT } from '../src/domain/session.js';

export default {
  data: memoryCommand('limit', 'Show or set how many messages this channel’s memory keeps')
    .addIntegerOption((o) =>
      o
        .setName('messages')
        .setDescription(`Keep at most this many messages (${MIN_LIMIT}–${MAX_LIMIT}); pinned ones are never trimmed`)
        .setMinValue(MIN_LIMIT)
        .setMaxValue(MAX_LIMIT),
    ),
  async execute(interaction, ctx) {
    const key = interaction.channelId;
    const messages = interaction.options.getInteger('messages');
    if (messages === null) {
      const session = await ctx.sessions.read(key);
      const pinned = session.history.filter((m) => m.pinned).length;
      await interaction.reply({
        content: `This channel keeps at most ${plural(ctx.sessions.settings(session).limit, 'message')}; it holds ${session.history.length} now (${pinned} pinned).`,
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const removed = await ctx.sessions.setLimit(key, messages);
    const trimmed = removed.length === 0 ? 'Nothing had to be removed.' : `Removed the ${plural(removed.length, 'oldest unpinned message')}.`;
    await interaction.reply({
      content: `📏 This channel now keeps at most ${plural(messages, 'message')}. ${trimmed}`,
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
