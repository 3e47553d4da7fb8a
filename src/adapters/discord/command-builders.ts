import {
  InteractionContextType,
  type LocalizationMap,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type SlashCommandStringOption,
} from 'discord.js';
import type { CommandKey, CommandOptions, NameAndDescription } from '../../presenters/catalogue.js';
import { type Catalogue, en, TRANSLATIONS } from '../../presenters/index.js';

/** One entry per translated locale, e.g. `{ 'zh-CN': '历史' }`. */
function localized(pick: (catalogue: Catalogue) => string): LocalizationMap {
  return Object.fromEntries(Object.entries(TRANSLATIONS).map(([locale, catalogue]) => [locale, pick(catalogue)]));
}

/** Anything Discord names and describes: a command, an option. */
interface Named {
  setName(name: string): this;
  setNameLocalizations(names: LocalizationMap | null): this;
  setDescription(description: string): this;
  setDescriptionLocalizations(descriptions: LocalizationMap | null): this;
}

function named<T extends Named>(builder: T, pick: (catalogue: Catalogue) => NameAndDescription): T {
  return builder
    .setName(pick(en).name)
    .setNameLocalizations(localized((c) => pick(c).name))
    .setDescription(pick(en).description)
    .setDescriptionLocalizations(localized((c) => pick(c).description));
}

/**
 * A slash command named and described from the catalogues: English by default, with every
 * translation as Discord's localizations. Works in servers and in DMs with the bot.
 */
export function localizedCommand(key: CommandKey): SlashCommandBuilder {
  return named(new SlashCommandBuilder(), (c) => c.commands[key]).setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);
}

/** Names and describes an option of `command` from the catalogues; `/rollback count:` is `option('rollback', 'count')`. */
export function localizedOption<K extends CommandKey>(command: K, option: CommandOptions[K]) {
  // The catalogue's option table for `command` is keyed by its own option names.
  const pick = (c: Catalogue): NameAndDescription => (c.commands[command].options as Record<CommandOptions[K], NameAndDescription>)[option];
  return <T extends Named>(builder: T): T => named(builder, pick);
}

/**
 * A command that changes a channel's shared memory: by default only members who may manage
 * messages see it (server admins change that in Integrations settings).
 */
export function memoryCommand(key: CommandKey): SlashCommandBuilder {
  return localizedCommand(key).setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages);
}

/** The required `indices` option of /pin and /unpin. */
export function indicesOption(command: 'pin' | 'unpin') {
  return (option: SlashCommandStringOption) => localizedOption(command, 'indices')(option).setRequired(true).setMaxLength(400);
}

/** Choices named by a catalogue entry for each value, with every translation (`/forge role:`). */
export function localizedChoices<V extends string>(values: readonly V[], pick: (catalogue: Catalogue, value: V) => string) {
  return values.map((value) => ({ name: pick(en, value), name_localizations: localized((c) => pick(c, value)), value }));
}
