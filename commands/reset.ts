import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { resetReply, withCancelNote } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';

export default {
  data: memoryCommand('reset'),
  async execute(interaction, ctx, respond) {
    // The answer being written is cut off first, so the memory left is the one the person sees.
    const cancelled = ctx.engine.cancel(interaction.channelId, 'reset');
    const removed = await ctx.engine.memory.reset(interaction.channelId);
    const content = withCancelNote(resetReply(removed, interaction.locale), cancelled, 'reset', interaction.locale);
    await respond(content);
  },
} satisfies Command;
