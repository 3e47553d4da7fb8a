import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { systemResetReply, systemSetReply, systemShownReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { systemPromptCost } from '../src/domain/channel-settings.js';

const option = (name: 'show' | 'set' | 'reset' | 'prompt') => localizedOption('system', name);

export default {
  data: memoryCommand('system')
    .addSubcommand((sub) => option('show')(sub))
    .addSubcommand((sub) =>
      // Discord's own cap on a string option is 6 000; the bot's is checked again with the numbers.
      option('set')(sub).addStringOption((o) => option('prompt')(o).setRequired(true).setMaxLength(6000)),
    )
    .addSubcommand((sub) => option('reset')(sub)),
  visibility: (interaction) => ({ ephemeral: interaction.options.getSubcommand(false) === 'show' }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const key = interaction.channelId;
    switch (interaction.options.getSubcommand()) {
      case 'set': {
        const { tokens } = await memory.setSystemPrompt(key, interaction.options.getString('prompt', true));
        await respond(systemSetReply(tokens, interaction.locale));
        return;
      }
      case 'reset': {
        const { hadOwn } = await memory.resetSystemPrompt(key);
        await respond(systemResetReply(hadOwn, interaction.locale));
        return;
      }
      default: {
        const session = await memory.read(key);
        const prompt = memory.settings(session).systemPrompt;
        const own = session.settings.systemPrompt !== undefined;
        await respond(systemShownReply(prompt, own, systemPromptCost(prompt, memory.tokens), interaction.locale), { ephemeral: true });
      }
    }
  },
} satisfies Command;
