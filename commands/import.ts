import { downloadImportFile } from '../src/adapters/discord/attachments.js';
import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { importConfirmReply, importedReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { MAX_IMPORT_BYTES } from '../src/domain/portable.js';

/** How long the file's download may take. */
const DOWNLOAD_TIMEOUT_MS = 10_000;

export default {
  data: memoryCommand('import').addAttachmentOption((o) => localizedOption('import', 'file')(o).setRequired(true)),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const key = interaction.channelId;
    const file = await downloadImportFile(interaction.options.getAttachment('file', true), { maxBytes: MAX_IMPORT_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    const imported = memory.parseImport(file.text, file.size);
    // Refused here if the replace would be, so only an import that can be made asks to be confirmed.
    const preview = await memory.previewImport(key, imported);
    if (preview.before.messages > 0) {
      const id = ctx.imports.add(interaction.user.id, { key, imported });
      await respond(importConfirmReply(preview, id, interaction.locale), { ephemeral: true });
      return;
    }
    await respond(importedReply(await memory.replace(key, imported), interaction.locale));
  },
} satisfies Command;
