import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { listenReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';

export default {
  data: memoryCommand('listen')
    .addSubcommand((sub) => localizedOption('listen', 'on')(sub))
    .addSubcommand((sub) => localizedOption('listen', 'off')(sub)),
  async execute(interaction, ctx, respond) {
    const on = interaction.options.getSubcommand() === 'on';
    const { was } = await ctx.engine.memory.setListen(interaction.channelId, on);
    await respond(listenReply(on, was, interaction.locale));
  },
} satisfies Command;
