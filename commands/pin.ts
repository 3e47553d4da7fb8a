import { indicesOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { pinReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { parseIndices } from '../src/domain/indices.js';

export default {
  data: memoryCommand('pin').addStringOption(indicesOption('pin')),
  async execute(interaction, ctx, respond) {
    const indices = parseIndices(interaction.options.getString('indices', true));
    const change = await ctx.engine.memory.pin(interaction.channelId, indices);
    await respond(pinReply(change, 'pinned', interaction.locale));
  },
} satisfies Command;
