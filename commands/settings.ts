import { localizedCommand } from '../src/adapters/discord/command-builders.js';
import { settingsReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { settingsView } from '../src/domain/channel-settings.js';

export default {
  data: localizedCommand('settings'),
  visibility: () => ({ ephemeral: true }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const session = await memory.read(interaction.channelId);
    await respond(settingsReply(settingsView(session, memory.settings(session)), interaction.locale), { ephemeral: true });
  },
} satisfies Command;
