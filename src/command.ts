import type { AutocompleteInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Respond, Visibility } from './adapters/discord/command-responder.js';
import type { AppContext } from './app-context.js';

/** One slash command: its registration data and what it does. Rules live in src/domain. */
export interface Command {
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** How its result will be shown, for a "thinking" state if it is slow; public when absent. */
  visibility?(interaction: ChatInputCommandInteraction): Visibility;
  /** Reads the options, makes one call into the engine, and hands the result to `respond` once. */
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext, respond: Respond): Promise<void>;
  /** Answers the option being typed with suggestions (Discord allows no deferral: within 3 s). */
  autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}
