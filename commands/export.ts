import { localizedCommand } from '../src/adapters/discord/command-builders.js';
import { exportedReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { exportFileName, exportText } from '../src/domain/portable.js';

export default {
  data: localizedCommand('export'),
  visibility: () => ({ ephemeral: true }),
  async execute(interaction, ctx, respond) {
    const key = interaction.channelId;
    const file = await ctx.engine.memory.export(key);
    const name = exportFileName(key, Date.parse(file.exportedAt));
    await respond({ content: exportedReply(file, interaction.locale), files: [{ name, data: Buffer.from(exportText(file)) }] }, { ephemeral: true });
  },
} satisfies Command;
