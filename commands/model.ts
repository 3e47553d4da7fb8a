import type { SlashCommandIntegerOption, SlashCommandNumberOption, SlashCommandSubcommandBuilder } from 'discord.js';
import { localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { modelResetReply, modelSetReply, modelShownReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { suggestModels } from '../src/domain/channel-settings.js';
import {
  MAX_REPLY_TOKENS_BOUND,
  type NumericParam,
  PARAM_NAMES,
  paramBounds,
  REASONING_EFFORTS,
  type ReasoningEffort,
} from '../src/domain/model-params.js';
import { en, TRANSLATIONS } from '../src/presenters/index.js';
import type { ModelCommandOption } from '../src/presenters/catalogue.js';

const option = (name: ModelCommandOption) => localizedOption('model', name);
/** The registered bounds: the widest the bot accepts; it checks max_tokens again against MAX_REPLY_TOKENS. */
const BOUNDS = paramBounds(MAX_REPLY_TOKENS_BOUND);
const NUMBERS = ['temperature', 'topP', 'frequencyPenalty', 'presencePenalty'] as const satisfies readonly NumericParam[];
const INTEGERS = ['maxTokens', 'seed'] as const satisfies readonly NumericParam[];

function bounded<T extends SlashCommandNumberOption | SlashCommandIntegerOption>(param: NumericParam, builder: T): T {
  builder.setMinValue(BOUNDS[param].min).setMaxValue(BOUNDS[param].max);
  return builder;
}

function setOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  sub.addStringOption((o) => option('name')(o).setRequired(true).setMaxLength(100).setAutocomplete(true));
  for (const param of NUMBERS) sub.addNumberOption((o) => bounded(param, option(PARAM_NAMES[param])(o)));
  for (const param of INTEGERS) sub.addIntegerOption((o) => bounded(param, option(PARAM_NAMES[param])(o)));
  return sub.addStringOption((o) =>
    option('reasoning_effort')(o).addChoices(
      REASONING_EFFORTS.map((effort) => ({
        name: en.reasoningEfforts[effort],
        name_localizations: Object.fromEntries(Object.entries(TRANSLATIONS).map(([locale, t]) => [locale, t.reasoningEfforts[effort]])),
        value: effort,
      })),
    ),
  );
}

export default {
  data: memoryCommand('model')
    .addSubcommand((sub) => option('show')(sub))
    .addSubcommand((sub) => setOptions(option('set')(sub)))
    .addSubcommand((sub) => option('reset')(sub)),
  visibility: (interaction) => ({ ephemeral: interaction.options.getSubcommand(false) === 'show' }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const key = interaction.channelId;
    const { options, locale } = interaction;
    switch (options.getSubcommand()) {
      case 'set': {
        const params: Record<string, number | ReasoningEffort> = {};
        for (const param of NUMBERS) {
          const value = options.getNumber(PARAM_NAMES[param]);
          if (value !== null) params[param] = value;
        }
        for (const param of INTEGERS) {
          const value = options.getInteger(PARAM_NAMES[param]);
          if (value !== null) params[param] = value;
        }
        const effort = REASONING_EFFORTS.find((e) => e === options.getString('reasoning_effort'));
        if (effort !== undefined) params['reasoningEffort'] = effort;
        const choice = await memory.setModel(key, { name: options.getString('name', true), params: params });
        await respond(modelSetReply(choice, locale));
        return;
      }
      case 'reset': {
        const { hadOwn } = await memory.resetModel(key);
        await respond(modelResetReply(hadOwn, memory.defaultModel, locale));
        return;
      }
      default: {
        const session = await memory.read(key);
        const settings = memory.settings(session);
        const own = session.settings.model !== undefined || session.settings.params !== undefined;
        await respond(modelShownReply({ name: settings.model, params: settings.params ?? {} }, own, memory.policy.models, locale), { ephemeral: true });
      }
    }
  },
  async autocomplete(interaction, ctx) {
    const { memory } = ctx.engine;
    const offered = memory.policy.models.length > 0 ? memory.policy.models : [memory.defaultModel];
    const typed = interaction.options.getFocused();
    await interaction.respond(suggestModels(offered, typed).map((name) => ({ name, value: name })));
  },
} satisfies Command;
