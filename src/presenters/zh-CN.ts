/**
 * 简体中文目录：与 en.ts 同形（src/presenters/catalogue.ts），编译器保证每个键都有译文。
 * Code spans, command names (/pin …), environment variables and numbers stay as they are.
 */
import type { ImportProblem } from '../domain/portable.js';
import { MAX_LIMIT, MIN_LIMIT } from '../domain/session.js';
import type { Catalogue, Surface } from './catalogue.js';
import { PARAM_NAMES } from '../domain/model-params.js';
import { formatBytes, seconds } from './render.js';

const INDICES_HELP = '（0 是最早的消息，-1 是最新的）';
const NOT_ADDED = '你的消息没有加入记忆。';
const bytes = (...sizes: number[]): string[] => formatBytes('字节', ...sizes);

/** 文件中某条消息的问题（序号从 0 开始）。 */
const inMessage = (at: number | undefined): string => (at === undefined ? '' : `第 ${String(at)} 条消息：`);

function importProblem(details: ImportProblem): string {
  switch (details.problem) {
    case 'too_big': {
      const [size, max] = bytes(details.size, details.max);
      return `文件大小为 ${size ?? ''}，导入的文件最大为 ${max ?? ''}。`;
    }
    case 'not_json':
      return `文件不是有效的 JSON（${details.reason}）。`;
    case 'not_a_session':
      return '文件既不是 contextcord 导出文件（来自 /export），也不是 chat-completions 的 `messages` 数组。';
    case 'unknown_format':
      return `文件的格式是“${details.format}”；我能导入 \`contextcord-session\` 文件和 \`messages\` 数组。`;
    case 'unknown_version':
      return `文件是该格式的第 ${details.version} 版；本机器人只能读取第 ${String(details.supported)} 版。`;
    case 'too_many_messages':
      return `文件有 ${String(details.count)} 条消息，超过了上限 ${String(details.limit)}：请先用 /limit 提高上限。`;
    case 'bad_role':
      return `${inMessage(details.at)}角色是“${details.role}”，必须是 ${details.allowed.map((r) => `\`${r}\``).join('、')}。`;
    case 'system_not_first':
      return `${inMessage(details.at)}\`system\` 消息只能放在最前面（它会成为系统提示词）。`;
    case 'empty_content':
      return `${inMessage(details.at)}内容为空。`;
    case 'not_text':
      return `${inMessage(details.at)}内容不是文本；只能导入文本。`;
    case 'content_too_long':
      return `${inMessage(details.at)}内容有 ${String(details.length)} 个字符，导入最多接受 ${String(details.max)} 个。`;
    case 'bad_field':
      return details.field === ''
        ? `${inMessage(details.at)}格式无效${details.expected === undefined ? '' : `（应为 \`${details.expected}\`）`}。`
        : `${inMessage(details.at)}\`${details.field}\` 无效${details.expected === undefined ? '' : `（应为 \`${details.expected}\`）`}。`;
    case 'unknown_field':
      return `${inMessage(details.at)}未知字段 \`${details.field}\`。`;
    case 'missing_field':
      return `${inMessage(details.at)}缺少 \`${details.field}\`。`;
    case 'download_failed':
      return '无法从 Discord 下载该文件，请重试。';
  }
}

function waitText(waitMs: number): string {
  const s = Math.ceil(waitMs / 1000);
  return s >= 120 ? `${String(Math.ceil(s / 60))} 分钟` : `${String(s)} 秒`;
}

const where = (surface: Surface): string => (surface === 'discord' ? '本频道' : '本会话');
const memoryOf = (surface: Surface): string => (surface === 'discord' ? '本频道的记忆' : '记忆');

export const zhCN: Catalogue = {
  sentences: (parts) => parts.join(''),
  clauses: (parts) => parts.join('，'),
  list: (items) => items.join('、'),
  labelled: (label, text) => `${label}：${text}`,

  userError: {
    empty_history: ({ action }) =>
      action === 'rollback' ? '没有可以回滚的内容：本频道的记忆里还没有消息。' : '本频道的记忆里还没有消息。',
    rollback_out_of_range: ({ count, rounds }) =>
      `无法回滚 ${String(count)} 轮：记忆里只有 ${String(rounds)} 轮，所以轮数必须在 1 到 ${String(rounds)} 之间。没有做任何更改。`,
    index_out_of_range: ({ indices, length }) =>
      `序号 ${indices.join('、')} 超出范围：记忆里有 ${String(length)} 条消息，序号应在 0 到 ${String(length - 1)} 之间（或 -${String(length)} 到 -1）。没有做任何更改。`,
    bad_indices: (details) => {
      switch (details.reason) {
        case 'not_a_list':
          return `“${details.text}”不是序号列表：请给出用空格或逗号分隔的整数，例如 \`0 -2 -1\`${INDICES_HELP}。`;
        case 'too_many':
          return `一次最多给出 ${String(details.max)} 个序号，收到了 ${String(details.got)} 个。`;
        case 'not_a_number':
          return `“${details.text}”不是整数：序号形如 \`0\`、\`3\` 或 \`-1\`${INDICES_HELP}。`;
      }
    },
    bad_limit: ({ limit, min, max }) => `上限必须是 ${String(min)} 到 ${String(max)} 之间的整数（消息条数），收到的是 ${String(limit)}。`,
    bad_count: ({ count, min, max }) => `数量必须是 ${String(min)} 到 ${String(max)} 之间的整数，收到的是 ${String(count)}。`,
    bad_page: ({ page, pages }) => `共有 ${String(pages)} 页，第 ${String(page)} 页不存在。`,
    message_too_long: ({ length, max }) => `这条消息有 ${String(length)} 个字符，我最多接受 ${String(max)} 个。没有加入记忆。`,
    empty_message: () => '消息是空的：请说点什么。',
    context_over_budget: ({ needed, budget, images }) =>
      `系统提示、已固定的消息和你的消息${images ? '（连同其中的图片）' : ''}共需要 ${String(needed)} 个 token，但一次请求的预算只有 ${String(budget)} 个。请取消固定一些消息（/unpin）或发送更短的消息。没有加入记忆。`,
    question_over_budget: ({ limit, budget }) =>
      `你的消息需要超过 ${String(limit)} 个 token，但整个请求的预算只有 ${String(budget)} 个。请发送更短的消息或更小的文件。没有加入记忆。`,
    bad_choice: ({ value, allowed }) => `“${value}”不是 ${allowed.map((a) => `\`${a}\``).join('、')} 之一。`,
    file_failed: ({ action, path, reason }) => `无法${action === 'read' ? '读取' : '写入'} ${path}（${reason}）。没有做任何更改。`,
    bad_memory_tokens: ({ reason, tokens, min, max }) =>
      reason === 'missing'
        ? `token 模式需要一个 token 上限：请给出 \`tokens\`（${String(min)} 到 ${String(max)}）。没有做任何更改。`
        : reason === 'not_tokens_mode'
          ? `\`tokens\` 只适用于 token 模式；窗口模式请不要给出。没有做任何更改。`
          : `token 上限必须是 ${String(min)} 到 ${String(max)} 之间的整数，收到了 ${String(tokens ?? 0)}。没有做任何更改。`,
    bad_import: (details) => `${importProblem(details)}没有做任何更改。`,
    bad_forge: () => '请至少给出一条要添加的消息。',
    unknown_command: ({ name }) => `我不认识命令 /${name}，它可能来自旧版本的机器人。`,
    system_prompt_too_long: ({ length, max }) => `这个系统提示有 ${String(length)} 个字符，我最多接受 ${String(max)} 个。没有做任何更改。`,
    system_prompt_over_budget: ({ tokens, budget }) =>
      `单是这个系统提示就需要 ${String(tokens)} 个 token，而整个请求的预算只有 ${String(budget)} 个：这样任何问题都无法回答。请缩短它。没有做任何更改。`,
    model_not_offered: ({ name, models }) =>
      models.length === 0
        ? '请给出模型名称。'
        : `${name === '' ? '需要给出模型名称' : `这里不提供模型“${name}”`}：请从 ${models.join('、')} 中选择。没有做任何更改。`,
    bad_model_param: ({ param, value, min, max, integer }) =>
      `${PARAM_NAMES[param]} 必须是 ${String(min)} 到 ${String(max)} 之间的${integer ? '整数' : '数'}，收到的是${typeof value === 'string' ? `“${value}”` : ` ${String(value)}`}。没有做任何更改。`,
    bad_reasoning_effort: ({ value, allowed }) => `reasoning_effort 必须是 ${allowed.join('、')} 之一，收到的是“${value}”。没有做任何更改。`,
    unknown_model_param: ({ name, allowed }) => `没有参数“${name}”：请用 名称=值 的形式，名称为 ${allowed.join('、')} 之一。没有做任何更改。`,
    nothing_to_retry: ({ reason }) =>
      reason === 'empty' ? '没有可以重新生成的回答：本频道的记忆中还没有消息。' : '没有可以重新生成的回答：记忆中最后一轮没有提问（已被裁掉）。',
    retry_not_yours: ({ author }) =>
      `只有${author === '' ? '提问的人' : ` ${author} `}或管理员（管理消息权限）可以重新生成最后的回答。没有做任何更改。`,
    usage_bot_not_allowed: () => '整个机器人的用量只对管理员（管理消息权限）显示，或在与机器人的私信中显示。不带 scope 使用 /usage 可查看本频道的用量。',
    retry_stale: () => '新回答生成期间，最后一轮被改动了（/rollback，或另一个机器人实例），所以没有替换它。没有做任何更改。',
  },
  emptyMention: '消息是空的：请在提及我之后说点什么。',

  modelFailure: {
    rate_limited: () => '模型服务器目前正在限制请求频率。',
    unavailable: ({ reason, status }) => {
      if (reason === 'unreachable') return '无法连接到模型服务器。';
      if (reason === 'server_error') return `模型服务器出错了${status === undefined ? '' : `（HTTP ${String(status)}）`}。`;
      return '无法连接到模型。';
    },
    timeout: ({ reason }) => (reason === 'went_silent' ? '模型开始回答后就没有了响应。' : '模型回答超时了。'),
    auth: ({ reason }) =>
      reason === 'no_key_left' ? '模型服务器已没有可用的 API 密钥，需要机器人的所有者修正 OPENAI_API_KEY。' : '模型服务器拒绝了 API 密钥。',
    context_length: () => '对话长度超出了模型能接受的范围。',
    bad_request: ({ reason }) => (reason === 'unknown_model' ? '模型服务器不认识所配置的模型。' : '模型服务器拒绝了这个请求。'),
    interrupted: () => '模型的回答中途停止了。',
    aborted: () => '回答已取消。',
  },
  gaveUp: (attempts) => `尝试 ${String(attempts)} 次后放弃了。`,
  askedToWait: (waitMs) => `服务器要求等待 ${waitText(waitMs)}，请稍后再试。`,
  notAdded: NOT_ADDED,
  answerProblem: {
    rate_limited: ({ limit, retryAfterMs }) =>
      `你提问的速度超过了我回答的速度（每分钟最多 ${String(limit)} 个问题）。请在 ${String(Math.ceil(retryAfterMs / 1000))} 秒后再试；在此之前我不会回答你，你发送的内容也不会加入记忆。`,
    empty_answer: () => `模型返回了空的回答。${NOT_ADDED}`,
    not_stored: () => '这条回答没能加入记忆：另一个机器人实例同时在不断修改它。如有需要，请再问一次。',
    internal: () => `我这边出了点问题。${NOT_ADDED}`,
    store_unavailable: () => `我现在无法保存记忆：机器人的数据库不可用。${NOT_ADDED}机器人的管理员可以在日志中查看原因。`,
    cancelled: ({ by }) => (by === 'interrupted' ? `你在这条回答生成过程中停止了它。${NOT_ADDED}` : `这条回答在生成过程中被 /${by} 取消了。${NOT_ADDED}`),
    restarting: ({ interrupted }) =>
      interrupted
        ? `机器人正在重启，这条回答被中断了。${NOT_ADDED}请稍后再问一次。`
        : `我正在重启，没来得及处理这条消息。${NOT_ADDED}请稍后再问一次。`,
  },
  notEnabled: 'contextcord 未在此处启用。',
  commandFailed: '我这边出了点问题，所以没有做任何更改。错误已记录，请重试。',
  memoryBusy: '另一个机器人实例同时在修改本频道的记忆，所以没有做任何更改。请重试。',
  storeUnavailable: '我现在无法保存记忆：机器人的数据库不可用，所以没有做任何更改。机器人的管理员可以在日志中查看原因。',
  answerCancelled: (by) => `本频道正在生成的回答已被 /${by} 取消，没有加入记忆。`,
  answering: (name) => `正在回答 ${name}：回答完成后这一轮才会加入记忆。`,
  attachmentNote: {
    images_off: ({ name }) => `已忽略 ${name}：这里不能看图片，只读取文本文件`,
    image_too_big: ({ name, size, max }) => {
      const [shown, limit] = bytes(size, max);
      return `已忽略 ${name}：它有 ${shown ?? ''}，而图片最大只能是 ${limit ?? ''}`;
    },
    image_format: ({ name }) => `已忽略 ${name}：我只能看 PNG、JPEG、GIF 和 WebP 图片`,
    text_off: ({ name }) => `已忽略 ${name}：这里关闭了文本文件读取`,
    too_big: ({ name, size, max }) => {
      const [shown, limit] = bytes(size, max);
      return `未读取 ${name}：它有 ${shown ?? ''}，而我最多读取 ${limit ?? ''}`;
    },
    over_cap: ({ name, max }) => `未读取 ${name}：它超过了我最多读取的 ${bytes(max)[0] ?? ''}`,
    unsupported: ({ name, vision }) => `已忽略 ${name}：我只读取文本文件${vision ? '和图片' : ''}`,
    download_failed: ({ name, status, statusText }) =>
      status === undefined
        ? `无法读取 ${name}：下载失败`
        : `无法读取 ${name}：下载失败（HTTP ${String(status)}${statusText === undefined || statusText === '' ? '' : ` ${statusText}`}）`,
    download_timeout: ({ name, timeoutMs }) => `无法读取 ${name}：下载用时超过了 ${seconds(timeoutMs)} 秒`,
    binary: ({ name }) => `已忽略 ${name}：它包含二进制数据，不是文本`,
    not_utf8: ({ name }) => `已忽略 ${name}：它不是 UTF-8 文本`,
    empty: ({ name }) => `已忽略 ${name}：文件是空的`,
  },
  leftOut: (count) => `为了放进上下文，省略了 ${String(count)} 条较早的消息`,
  cutOff: '回答达到长度上限（max_tokens）被截断了',
  interrupted: '已中断',
  finishedAfterRestart: '重启后已从记忆中补全',

  speaker: { assistant: '助手', user: '用户' },
  forged: '（手工添加）',
  pinnedTag: '已固定',
  tokenCount: (tokens) => `${String(tokens)} 个 token`,
  moreMessages: (count) => `……另有 ${String(count)} 条消息`,
  memoryOf,
  historyCounts: (messages, pinned, limit) => `${String(messages)} 条消息（${String(pinned)} 条已固定），上限 ${String(limit)} 条`,
  historyTokens: (tokens, budget, systemTokens) =>
    `提示共 ${String(tokens)} / ${String(budget)} 个 token（其中系统提示 ${String(systemTokens)} 个）`,
  historySummary: (tokens) => `较早消息的摘要（${String(tokens)} 个 token）`,
  historyEmpty: (surface) => (surface === 'discord' ? '记忆里还没有内容：提及我即可开始对话。' : '记忆里还没有内容：输入一个问题即可开始。'),
  historyPage: (page, pages, surface) =>
    surface === 'discord'
      ? `第 ${String(page)} / ${String(pages)} 页（第 1 页是最新的）。`
      : `第 ${String(page)} / ${String(pages)} 页（1 是最新的）`,
  historyIndices: '/pin 使用的序号：0 是最早的，-1 是最新的。',
  pinChanged: (verb, list) => `${verb === 'pinned' ? '已固定' : '已取消固定'} ${list}。`,
  pinAlready: (verb, list) => `${list} 本来就${verb === 'pinned' ? '已固定' : '没有固定'}。`,
  rolledBack: (rounds, messages) => `已回滚 ${String(rounds)} 轮（${String(messages)} 条消息）：`,
  limitShown: (surface, limit, messages, pinned) =>
    `${where(surface)}最多保留 ${String(limit)} 条消息；目前有 ${String(messages)} 条（${String(pinned)} 条已固定）。`,
  limitSet: (surface, limit, removed) =>
    `${where(surface)}现在最多保留 ${String(limit)} 条消息。${removed === 0 ? '无需删除任何消息。' : `已删除最早的 ${String(removed)} 条未固定消息。`}`,
  resetDone: (surface, removed) =>
    removed === 0
      ? `${memoryOf(surface)}本来就是空的。`
      : `${memoryOf(surface)}已清空：忘记了 ${String(removed)} 条消息。设置保持不变。`,
  memoryModes: { window: '窗口（按消息条数上限）', tokens: 'token（按 token 上限）', summary: '摘要（较早的消息汇总成摘要）' },
  memoryModeSet: (surface, mode, tokens, removed) =>
    `${memoryOf(surface)}现在${
      mode === 'tokens'
        ? `在消息条数上限之内，保留能放进 ${String(tokens ?? 0)} 个 token 的最新消息（包括固定的消息）`
        : mode === 'summary'
          ? `保留最近的消息（${tokens === undefined ? '最多占 token 预算的一半' : `最多 ${String(tokens)} 个 token`}，且在消息条数上限之内），并把离开它们的消息汇总进一份持续更新的摘要；每次回答之后汇总，没有汇总的消息不会被删除`
          : '按消息条数上限保留消息'
    }。${removed === 0 ? '没有需要删除的消息。' : `删除了最早的 ${String(removed)} 条未固定消息。`}`,
  forgeDone: (surface, role, removed) =>
    `已在${memoryOf(surface)}末尾添加一条伪造的${role === 'user' ? '用户' : '助手'}消息（序号 -1）；模型会当作真的说过。${
      removed === 0 ? '' : `条数上限裁剪了最早的 ${String(removed)} 条未固定消息。`
    }`,
  exported: (surface, messages, pinned) =>
    `${memoryOf(surface)}：${String(messages)} 条消息（${String(pinned)} 条已固定）及其设置，都在文件里。用 /import 可以在这里或别处读回。`,
  imported: (surface, kind, messages, pinned, forgotten) =>
    `${memoryOf(surface)}已由文件替换：${String(messages)} 条消息（${String(pinned)} 条已固定）${kind === 'export' ? '及其设置' : '，设置保持不变'}；忘记了之前的 ${String(forgotten)} 条消息。`,
  importConfirm: (surface, held, heldPinned, incoming, incomingPinned) =>
    `${memoryOf(surface)}里有 ${String(held)} 条消息（${String(heldPinned)} 条已固定）。导入会用文件中的 ${String(incoming)} 条消息（${String(incomingPinned)} 条已固定）替换它们、它们的固定状态和设置。要替换吗？`,
  importButtons: { replace: '替换记忆', cancel: '取消' },
  importCancelled: '已取消导入：没有做任何更改。',
  importExpired: '这次导入已不再等待回答（已经回答过，或机器人重启了）：没有做任何更改。请重新运行 /import。',
  importNotYours: '只有运行 /import 的人才能回答。',

  settingsOf: (surface) => (surface === 'discord' ? '本频道的设置' : '设置'),
  settingLabels: {
    systemPrompt: '系统提示',
    model: '模型',
    params: '参数',
    listen: '监听模式',
    limit: '消息上限',
    memoryMode: '记忆模式',
    tokenBudget: 'token 预算',
  },
  settingSource: (own, surface) => (own ? (surface === 'discord' ? '（本频道自己的）' : '（本会话自己的）') : '（默认）'),
  noSystemPrompt: '无（不发送系统消息）',
  noParams: '未设置（使用服务器的默认值）',
  usageOf: (surface, scope) => (scope === 'bot' ? '整个机器人的用量' : surface === 'discord' ? '本频道的用量' : '本会话的用量'),
  usageNone: (surface, scope) => (scope === 'bot' ? '还没有统计到任何补全。' : `${surface === 'discord' ? '本频道' : '本会话'}还没有统计到任何补全。`),
  usageSoFar: '累计',
  usageRecent: (days) => `最近 ${String(days)} 天`,
  usageCounts: ({ prompt, completion, requests, estimated }) =>
    `提示 ${String(prompt)} + 补全 ${String(completion)} 个 token，共 ${String(requests)} 次补全${estimated === 0 ? '' : `（其中 ${String(estimated)} 次由机器人自己计数：服务器没有返回用量）`}`,
  usageCost: (dollars) => `约 $${dollars < 0.01 && dollars > 0 ? dollars.toFixed(4) : dollars.toFixed(2)}`,
  usageUnpriced: (models) => `不知道 ${models} 的价格，所以不显示它和总计的花费。`,
  usageNote: '回答、重试和摘要都计入。花费是按标价（gpt-tokenizer 的模型列表）估算的。',
  usageScopes: { channel: '本频道', bot: '整个机器人' },
  listenState: (on) => (on ? '开：回答这里的每条消息' : '关：只回答提及我的消息'),
  reasoningEfforts: { low: '低', medium: '中', high: '高' },
  systemShown: (surface, own, tokens) => `${where(surface)}使用${own ? '自己的' : '默认的'}系统提示（${String(tokens)} 个 token）：`,
  systemSet: (surface, tokens) => `${where(surface)}从下一个问题起使用这个系统提示（${String(tokens)} 个 token）。`,
  systemReset: (surface, hadOwn) => (hadOwn ? `${where(surface)}重新使用默认的系统提示。` : `${where(surface)}本来就在使用默认的系统提示。`),
  placeholders: (list) => `每次提问时会填入的占位符：${list}。`,
  modelShown: (surface, model, own, params) => `${where(surface)}使用${own ? '自己选择的' : '默认的'}模型 ${model}。参数：${params}。`,
  modelSet: (surface, model, params) => `${where(surface)}现在使用 ${model}。参数：${params}。`,
  modelReset: (surface, hadOwn, model) =>
    hadOwn ? `${where(surface)}重新使用默认模型 ${model}，不再有自己的参数。` : `${where(surface)}本来就在使用默认模型 ${model}。`,
  modelsOffered: (list) => `可选的模型：${list}。`,
  listenSet: (surface, on, was) => {
    if (on === was) return on ? `${where(surface)}本来就会回答每条消息。` : `${where(surface)}本来就只回答提及我的消息。`;
    return on ? `${where(surface)}现在无需提及：每个人的每条消息都会得到回答。` : `${where(surface)}恢复为只在提及我时回答。`;
  },
  retried: (surface, author) =>
    `已重新生成${author === '' ? '最后一个问题' : ` ${author} 的问题`}的回答：它替换了${surface === 'discord' ? '本频道记忆中' : '记忆中'}之前的回答。`,
  retryFailed: '无法重新生成回答。',
  retryProblem: {
    rate_limited: ({ limit, retryAfterMs }) =>
      `你提问的速度超过了我回答的速度（每分钟最多 ${String(limit)} 个问题）；请在 ${String(Math.ceil(retryAfterMs / 1000))} 秒后再试。`,
    empty_answer: () => '模型返回了空回答。',
    not_stored: () => '另一个机器人实例同时在不断修改这段记忆。',
    internal: () => '我这边出了问题。',
    store_unavailable: () => '机器人的数据库不可用；机器人的运营者可以在日志中查看原因。',
    cancelled: ({ by }) => `回答生成期间被 /${by} 取消了。`,
    restarting: () => '机器人正在重启；请稍后再试。',
  },
  retryKept: '没有做任何更改：之前的回答仍在记忆中。',

  terminalHelp: [
    '输入问题并按回车，回答会显示在下方。',
    '命令（与 Discord 的斜杠命令相同）：',
    '  /history [page]     查看记忆内容（第 1 页是最新的）',
    '  /rollback [count]   删除最近几轮（默认 1 轮）',
    '  /retry              重新生成最后的回答（替换最后一轮）',
    '  /pin I…  /unpin I…  按序号固定或取消固定消息（0 = 最早，-1 = 最新）',
    '  /limit [messages]   查看或设置记忆保留的消息条数',
    '  /reset              忘记这段对话（设置保留）',
    '  /forge user|assistant TEXT   在记忆末尾添加一条编造的消息',
    '  /memory window | tokens N | summary [N]   按消息条数上限保留记忆，另加 N 个 token 的上限，或把离开的消息汇总成摘要',
    '  /export FILE  /import FILE   把记忆保存到文件，或用文件替换记忆（会先询问：y/n）',
    '  /settings           本会话的设置，以及哪些是它自己的',
    '  /usage [bot]         本会话（或整个机器人）的补全用了多少 token，以及花费',
    '  /system [show|set PROMPT|reset]   查看、设置或重置系统提示',
    '  /model [show|set NAME [参数=值…]|reset]   查看、设置或重置模型及其参数',
    '                      （参数：temperature= top_p= max_tokens= frequency_penalty= presence_penalty= seed= reasoning_effort=）',
    '  /quit               退出（或按 Ctrl-D）',
    '按 Ctrl-C 会停止正在生成的回答（不会保留）；在空行上连按两次则退出。',
    '以 // 开头的问题会以一个斜杠开头。',
  ],
  interruptHint: '（再按一次 Ctrl-C 或按 Ctrl-D 退出，也可以输入 /quit。）',
  noSessions: '还没有存储任何会话。',
  sessionSize: (messages, pinned, tokens) => `${String(messages)} 条消息（${String(pinned)} 条已固定），${String(tokens)} 个提示 token`,
  lastActivity: (when) => `最后一条消息在 ${when}`,
  commands: {
    history: {
      name: '历史',
      description: '列出本频道记忆中的内容（仅你可见）',
      options: { page: { name: '页码', description: '第 1 页是最新的' } },
    },
    rollback: {
      name: '回滚',
      description: '从本频道的记忆中删除最近几轮（一问一答为一轮）',
      options: { count: { name: '轮数', description: '要删除的轮数（默认 1）' } },
    },
    pin: {
      name: '固定',
      description: '固定消息，使其永远不会被裁剪',
      options: { indices: { name: '序号', description: '/history 中的消息序号，例如 "0 -2 -1"（0 = 最早，-1 = 最新）' } },
    },
    unpin: {
      name: '取消固定',
      description: '取消固定消息，让条数上限和 token 预算可以再次裁剪它们',
      options: { indices: { name: '序号', description: '/history 中的消息序号，例如 "0 -1"（0 = 最早，-1 = 最新）' } },
    },
    limit: {
      name: '上限',
      description: '查看或设置本频道记忆保留的消息条数',
      options: {
        messages: {
          name: '条数',
          description: `最多保留这么多条消息（${String(MIN_LIMIT)}–${String(MAX_LIMIT)}）；已固定的消息永远不会被裁剪`,
        },
      },
    },
    reset: { name: '重置', description: '忘记本频道的对话（包括固定的消息）；设置保留', options: {} },
    forge: {
      name: '伪造',
      description: '在本频道记忆的末尾添加一条编造的消息，就像真的说过一样',
      options: {
        role: { name: '角色', description: '模型会认为是谁说的' },
        content: { name: '内容', description: '消息内容' },
      },
    },
    memory: {
      name: '记忆',
      description: '选择本频道记忆的保留方式：消息条数上限、token 上限，或持续更新的摘要',
      options: {
        mode: { name: '模式', description: 'window：消息条数上限；tokens：另加 token 上限；summary：把离开的消息汇总' },
        tokens: { name: 'token数', description: 'token 模式：token 上限（固定的消息也计入）；摘要模式：最近消息的 token 数' },
      },
    },
    export: { name: '导出', description: '把本频道的记忆保存为文件：历史、固定的消息、设置（仅你可见）', options: {} },
    import: {
      name: '导入',
      description: '用 /export 的文件或 chat-completions 的 messages 数组替换本频道的记忆',
      options: { file: { name: '文件', description: '一个最大 8 MB 的 .json 文件' } },
    },
    settings: { name: '设置', description: '查看本频道的设置，以及哪些是它自己的（仅你可见）', options: {} },
    system: {
      name: '系统提示',
      description: '查看或更改本频道的系统提示（人设）',
      options: {
        show: { name: '查看', description: '查看本频道使用的系统提示（仅你可见）' },
        set: { name: '设定', description: '给本频道设置自己的系统提示' },
        reset: { name: '重置', description: '恢复默认的系统提示' },
        prompt: { name: '提示', description: '系统提示；可以使用 {date} {time} {server} {channel} {bot}' },
      },
    },
    model: {
      name: '模型',
      description: '查看或更改本频道使用的模型及其参数',
      options: {
        show: { name: '查看', description: '查看本频道使用的模型和参数（仅你可见）' },
        set: { name: '设定', description: '选择本频道的模型；未给出的参数不会发送' },
        reset: { name: '重置', description: '恢复默认模型，不带任何参数' },
        name: { name: '名称', description: '要使用的模型' },
        temperature: { name: '温度', description: '随机性，0–2' },
        top_p: { name: '核采样', description: '核采样，0–1' },
        max_tokens: { name: '最大长度', description: '回答最多的 token 数' },
        frequency_penalty: { name: '频率惩罚', description: '对重复 token 的惩罚，−2 到 2' },
        presence_penalty: { name: '存在惩罚', description: '对已出现 token 的惩罚，−2 到 2' },
        seed: { name: '种子', description: '可重复采样的种子（需服务器支持）' },
        reasoning_effort: { name: '推理强度', description: '推理模型使用：low、medium 或 high' },
      },
    },
    listen: {
      name: '监听',
      description: '无需提及即回答本频道的每条消息，或只回答提及',
      options: {
        on: { name: '开', description: '回答这里每个人的每条消息' },
        off: { name: '关', description: '只在提及我时回答（默认）' },
      },
    },
    retry: { name: '重试', description: '重新生成最后的回答（你的问题的；管理员可重新生成任何人的）', options: {} },
    usage: {
      name: '用量',
      description: '本频道的补全用了多少 token、估计花费多少（只有你能看到）',
      options: { scope: { name: '范围', description: '本频道，或整个机器人（管理员，或在私信中）' } },
    },
  },
};
