/**
 * Deterministic, realistic chat text: Discord questions and answers of 20–80 words with a
 * Zipf-like vocabulary, a long tail of rare tokens (identifiers, numbers, URLs, version strings)
 * and, in answers, some Markdown. The tail matters: gpt-tokenizer memoizes word pieces, so text
 * built only from a small vocabulary would make tokenizing look cheaper than it is.
 */

import { seededRandom } from '../test/helpers/random.js';

/** The tests' seeded PRNG (mulberry32), so every run measures the same text. */
export const prng = seededRandom;

const COMMON = `the of and to a in is it you that he was for on are with as I his they be at one have this from
or had by hot word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two has look
more day could go come did number sound no most people my over know water than call first who may down side been
now find any new work part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light kind off need
house picture try us again animal point mother world near build self earth father head stand own page should
country found answer school grow study still learn plant cover food sun four between state keep eye never last
let thought city tree cross farm hard start might story saw far sea draw left late run don't while press close
night real life few north open seem together next white children begin got walk example ease paper group always
music those both mark often letter until mile river car feet care second book carry took science eat room friend
began idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual
young ready above ever red list though feel talk bird soon body dog family direct pose leave song measure door
product black short numeral class wind question happen complete ship area half rock order fire south problem
piece told knew pass since top whole king space heard best hour better true during hundred five remember step
early hold west ground interest reach fast verb sing listen six table travel less morning ten simple several
vowel toward war lay against pattern slow center love person money serve appear road map rain rule govern pull
cold notice voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box
noun field rest correct able pound done beauty drive stood contain front teach week final gave green oh quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch multiply nothing
course stay wheel full force blue object decide surface deep moon island foot system busy test record boat
common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate miss brought heat
snow tire bring yes distant fill east paint language among`.split(/\s+/);

const TECH = `server bot Discord channel thread message token model prompt context memory session database SQLite
query index cache latency request response error timeout retry config environment variable docker container
deploy build compile TypeScript JavaScript Python function class module import export async await promise
stream buffer string array object map set loop callback event listener handler webhook API endpoint JSON
schema validation parse serialize encode decode hash password user permission role admin moderator emoji
reaction embed attachment upload download file folder path terminal command shell script git commit branch
merge rebase pull push issue bug fix patch release version dependency package npm node runtime memory CPU
thread worker queue lock mutex transaction rollback migration backup restore log debug trace warn metric
benchmark percentile throughput budget limit rate window interval scheduler cron kubernetes nginx proxy
certificate TLS DNS port socket HTTP header cookie OAuth scope intent gateway shard heartbeat payload`.split(/\s+/);

const NAMES = ['Alice', 'Bob', 'Chen Wei', 'Dmitri', 'Eve_42', 'Fatima', 'Gus', 'Hana 🌸', 'Ivan', 'Jo', 'kai.dev', 'Lena'];
const SYLLABLES = ['ka', 'ro', 'tel', 'mi', 'zan', 'qu', 'ex', 'vor', 'lin', 'das', 'pho', 'ny', 'gra', 'tum', 'sib', 'ol'];
const EMOJI = ['🙂', '👍', '🤔', '😅', '🔥', '✅', '🚀', '🙏'];
const OPENERS = ['hey', 'hi', 'so', 'quick question:', 'ok', 'hmm', 'wait,', 'also'];

export class TextSource {
  private readonly random: () => number;
  private readonly vocabulary: string[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(seed: number) {
    this.random = prng(seed);
    // Zipf-like: the k-th word is about 1/(k+3) as frequent. COMMON is in frequency order;
    // the tech words are spread over its ranks after the first few dozen.
    this.vocabulary = [...COMMON];
    for (const word of TECH) this.vocabulary.splice(this.int(40, this.vocabulary.length), 0, word);
    let sum = 0;
    this.cumulative = this.vocabulary.map((_, rank) => (sum += 1 / (rank + 3)));
    this.total = sum;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  name(): string {
    return this.pick(NAMES);
  }

  /** A user's question: casual, lower case, sometimes an emoji or a rare token. */
  question(): string {
    const words = this.words(this.int(20, 80));
    const opener = this.random() < 0.4 ? `${this.pick(OPENERS)} ` : '';
    const end = this.random() < 0.5 ? '?' : this.random() < 0.5 ? ` ${this.pick(EMOJI)}` : '.';
    return `${opener}${this.sentences(words, false)}${end}`;
  }

  /** An assistant's answer: sentences, sometimes a list, inline code or a short code block. */
  answer(): string {
    const count = this.int(20, 80);
    const roll = this.random();
    if (roll < 0.2 && count >= 30) {
      const intro = this.sentences(this.words(10), true);
      const items = [0, 1, 2].map(() => `- ${this.sentences(this.words(Math.floor((count - 10) / 3)), true)}`);
      return `${intro}.\n${items.join('\n')}`;
    }
    if (roll < 0.35 && count >= 30) {
      const ident = this.identifier();
      const code = `\`\`\`ts\nconst ${ident} = await ${this.identifier()}(${this.int(1, 500)});\nconsole.log(${ident});\n\`\`\``;
      return `${this.sentences(this.words(count - 12), true)}:\n${code}`;
    }
    return `${this.sentences(this.words(count), true)}.`;
  }

  private words(count: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < count; i += 1) out.push(this.random() < 0.04 ? this.rare() : this.common());
    return out;
  }

  private common(): string {
    const target = this.random() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) < target) lo = mid + 1;
      else hi = mid;
    }
    return this.vocabulary[lo] ?? 'the';
  }

  private rare(): string {
    const kind = this.int(0, 4);
    if (kind === 0) return `\`${this.identifier()}\``;
    if (kind === 1) return String(this.int(2, 99_999));
    if (kind === 2) return `v${this.int(0, 20)}.${this.int(0, 40)}.${this.int(0, 99)}`;
    if (kind === 3) return `https://example.com/${this.identifier().toLowerCase()}/${this.int(100, 9999)}`;
    return this.identifier();
  }

  private identifier(): string {
    const parts = this.int(2, 4);
    let id = '';
    for (let i = 0; i < parts; i += 1) {
      const s = this.pick(SYLLABLES);
      id += i === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
    }
    return id;
  }

  /** Joins words into sentences of 6–16 words; `capital` starts each with a capital letter. */
  private sentences(words: readonly string[], capital: boolean): string {
    const out: string[] = [];
    let i = 0;
    while (i < words.length) {
      const length = this.int(6, 16);
      const chunk = words.slice(i, i + length);
      i += length;
      const text = chunk.map((w, k) => (k < chunk.length - 1 && this.random() < 0.08 ? `${w},` : w)).join(' ');
      out.push(capital || out.length > 0 ? text.charAt(0).toUpperCase() + text.slice(1) : text);
    }
    return out.join('. ');
  }
}
