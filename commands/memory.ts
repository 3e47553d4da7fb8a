import { localizedChoices, localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { memoryModeReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_MEMORY_TOKENS, MEMORY_MODES, MIN_MEMORY_TOKENS } from '../src/domain/memory-mode.js';

export default {
  data: memoryCommand('memory')
    .addStringOption((o) =>
      localizedOption('memory', 'mode')(o)
        .setRequired(true)
        .addChoices(...localizedChoices(MEMORY_MODES, (c, mode) => c.memoryModes[mode])),
    )
    .addIntegerOption((o) => localizedOption('memory', 'tokens')(o).setMinValue(MIN_MEMORY_TOKENS).setMaxValue(MAX_MEMORY_TOKENS)),
  async execute(interaction, ctx, respond) {
    const chosen = interaction.options.getString('mode', true);
    const mode = MEMORY_MODES.find((m) => m === chosen) ?? 'window';
    const tokens = interaction.options.getInteger('tokens') ?? undefined;
    const result = await ctx.engine.memory.setMemoryMode(interaction.channelId, mode, tokens);
    await respond(memoryModeReply(result, interaction.locale));
  },
} satisfies Command;
