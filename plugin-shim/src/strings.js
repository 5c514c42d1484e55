// Strings under the reference's keys (spec §5.11), in the reference's six locales. The panel
// renders its own text; Flex needs these for the channel labels and the notifications, and the
// other keys stay here so that customers who overrode them in Flex keep a home for them.

/** @typedef {import('./flex.js').ManagerApi} ManagerApi */

/** Notification and channel-label keys, used by notifications.js and channels.js. */
export const StringKeys = {
  ErrorCallingCustomer: 'PSCallbackErrorCallingCustomerNotification',
  OutboundDialingNotEnabled: 'PSCallbackOutboundDialingNotEnabledNotification',
  PanelNotification: 'PSCallbackPanelNotification',
  CallbackLabel: 'PSCallbackCallback',
  VoicemailLabel: 'PSCallbackVoicemail',
};

const enUS = {
  PSCallbackErrorCallingCustomerNotification: 'Failed to call {{customer}}, please try again',
  PSCallbackOutboundDialingNotEnabledNotification: 'Outbound dialing is not enabled, please notify a systems administrator',
  PSCallbackRequestHeading: 'Callback Request',
  PSCallbackRequestDescription: 'A contact has requested an immediate callback.',
  PSCallbackVoicemailRequestHeading: 'Contact Voicemail',
  PSCallbackVoicemailRequestDescription: 'A contact has left a voicemail that requires attention.',
  PSCallbackVoicemailRecording: 'Voicemail recording',
  PSCallbackVoicemailTranscript: 'Voicemail transcript',
  PSCallbackContactPhone: 'Contact phone',
  PSCallbackCallReceptionTime: 'Call reception time',
  PSCallbackAttemptHeading: 'Callback attempt',
  PSCallbackAttempts: '{{thisAttempt}} of {{maxAttempts}}',
  PSCallbackPlaceCallNow: 'Place Call Now To {{phoneNumber}}',
  PSCallbackRetryLater: 'Retry Later',
  PSCallbackSystemTime: 'System time: {{systemTime}}',
  PSCallbackVoicemailLoading: 'Loading voicemail...',
  PSCallbackVoicemailError: 'Error loading voicemail.',
  PSCallbackVoicemailTryAgain: 'Try again',
  PSCallbackCallback: 'Callback',
  PSCallbackVoicemail: 'Voicemail',
  // Ours: the panel's notify text, already localised by the panel.
  PSCallbackPanelNotification: '{{text}}',
};

const esMX = {
  PSCallbackErrorCallingCustomerNotification: 'No se pudo llamar a {{customer}}, inténtelo de nuevo',
  PSCallbackOutboundDialingNotEnabledNotification: 'Las llamadas salientes no están habilitadas; avise a un administrador del sistema',
  PSCallbackRequestHeading: 'Solicitud de devolución de llamada',
  PSCallbackRequestDescription: 'Un contacto solicitó que se le devuelva la llamada de inmediato.',
  PSCallbackVoicemailRequestHeading: 'Mensaje de voz del contacto',
  PSCallbackVoicemailRequestDescription: 'Un contacto dejó un mensaje de voz que requiere atención.',
  PSCallbackVoicemailRecording: 'Grabación del mensaje de voz',
  PSCallbackVoicemailTranscript: 'Transcripción del mensaje de voz',
  PSCallbackContactPhone: 'Teléfono del contacto',
  PSCallbackCallReceptionTime: 'Hora de recepción de la llamada',
  PSCallbackAttemptHeading: 'Intento de devolución de llamada',
  PSCallbackAttempts: '{{thisAttempt}} de {{maxAttempts}}',
  PSCallbackPlaceCallNow: 'Llamar ahora a {{phoneNumber}}',
  PSCallbackRetryLater: 'Reintentar más tarde',
  PSCallbackSystemTime: 'Hora del sistema: {{systemTime}}',
  PSCallbackVoicemailLoading: 'Cargando mensaje de voz...',
  PSCallbackVoicemailError: 'Error al cargar el mensaje de voz.',
  PSCallbackVoicemailTryAgain: 'Intentar de nuevo',
  PSCallbackCallback: 'Devolución de llamada',
  PSCallbackVoicemail: 'Mensaje de voz',
};

const esES = {
  ...esMX,
  PSCallbackOutboundDialingNotEnabledNotification: 'Las llamadas salientes no están activadas; avise a un administrador del sistema',
  PSCallbackRequestHeading: 'Solicitud de rellamada',
  PSCallbackRequestDescription: 'Un contacto ha solicitado que se le llame de inmediato.',
  PSCallbackVoicemailRequestDescription: 'Un contacto ha dejado un mensaje de voz que requiere atención.',
  PSCallbackAttemptHeading: 'Intento de rellamada',
  PSCallbackRetryLater: 'Volver a intentarlo más tarde',
  PSCallbackVoicemailTryAgain: 'Volver a intentarlo',
  PSCallbackCallback: 'Rellamada',
};

const ptBR = {
  PSCallbackErrorCallingCustomerNotification: 'Falha ao ligar para {{customer}}, tente novamente',
  PSCallbackOutboundDialingNotEnabledNotification: 'As chamadas de saída não estão habilitadas; avise um administrador do sistema',
  PSCallbackRequestHeading: 'Solicitação de retorno de chamada',
  PSCallbackRequestDescription: 'Um contato solicitou um retorno de chamada imediato.',
  PSCallbackVoicemailRequestHeading: 'Correio de voz do contato',
  PSCallbackVoicemailRequestDescription: 'Um contato deixou uma mensagem de voz que requer atenção.',
  PSCallbackVoicemailRecording: 'Gravação do correio de voz',
  PSCallbackVoicemailTranscript: 'Transcrição do correio de voz',
  PSCallbackContactPhone: 'Telefone do contato',
  PSCallbackCallReceptionTime: 'Horário de recebimento da chamada',
  PSCallbackAttemptHeading: 'Tentativa de retorno',
  PSCallbackAttempts: '{{thisAttempt}} de {{maxAttempts}}',
  PSCallbackPlaceCallNow: 'Ligar agora para {{phoneNumber}}',
  PSCallbackRetryLater: 'Tentar mais tarde',
  PSCallbackSystemTime: 'Horário do sistema: {{systemTime}}',
  PSCallbackVoicemailLoading: 'Carregando correio de voz...',
  PSCallbackVoicemailError: 'Erro ao carregar o correio de voz.',
  PSCallbackVoicemailTryAgain: 'Tentar novamente',
  PSCallbackCallback: 'Retorno de chamada',
  PSCallbackVoicemail: 'Correio de voz',
};

const th = {
  PSCallbackErrorCallingCustomerNotification: 'โทรหา {{customer}} ไม่สำเร็จ โปรดลองอีกครั้ง',
  PSCallbackOutboundDialingNotEnabledNotification: 'ยังไม่ได้เปิดใช้การโทรออก โปรดแจ้งผู้ดูแลระบบ',
  PSCallbackRequestHeading: 'คำขอให้โทรกลับ',
  PSCallbackRequestDescription: 'ผู้ติดต่อขอให้โทรกลับทันที',
  PSCallbackVoicemailRequestHeading: 'ข้อความเสียงของผู้ติดต่อ',
  PSCallbackVoicemailRequestDescription: 'ผู้ติดต่อฝากข้อความเสียงที่ต้องได้รับการดูแล',
  PSCallbackVoicemailRecording: 'เสียงที่บันทึกไว้',
  PSCallbackVoicemailTranscript: 'ข้อความที่ถอดจากเสียง',
  PSCallbackContactPhone: 'หมายเลขโทรศัพท์ของผู้ติดต่อ',
  PSCallbackCallReceptionTime: 'เวลาที่ได้รับสาย',
  PSCallbackAttemptHeading: 'ครั้งที่โทรกลับ',
  PSCallbackAttempts: '{{thisAttempt}} จาก {{maxAttempts}}',
  PSCallbackPlaceCallNow: 'โทรหา {{phoneNumber}} ตอนนี้',
  PSCallbackRetryLater: 'ลองใหม่ภายหลัง',
  PSCallbackSystemTime: 'เวลาของระบบ: {{systemTime}}',
  PSCallbackVoicemailLoading: 'กำลังโหลดข้อความเสียง...',
  PSCallbackVoicemailError: 'โหลดข้อความเสียงไม่สำเร็จ',
  PSCallbackVoicemailTryAgain: 'ลองอีกครั้ง',
  PSCallbackCallback: 'โทรกลับ',
  PSCallbackVoicemail: 'ข้อความเสียง',
};

const zhHans = {
  PSCallbackErrorCallingCustomerNotification: '呼叫 {{customer}} 失败，请重试',
  PSCallbackOutboundDialingNotEnabledNotification: '未启用外呼功能，请通知系统管理员',
  PSCallbackRequestHeading: '回电请求',
  PSCallbackRequestDescription: '有联系人请求立即回电。',
  PSCallbackVoicemailRequestHeading: '联系人语音留言',
  PSCallbackVoicemailRequestDescription: '有联系人留下了需要处理的语音留言。',
  PSCallbackVoicemailRecording: '语音留言录音',
  PSCallbackVoicemailTranscript: '语音留言文字记录',
  PSCallbackContactPhone: '联系人电话',
  PSCallbackCallReceptionTime: '来电接收时间',
  PSCallbackAttemptHeading: '回电尝试',
  PSCallbackAttempts: '第 {{thisAttempt}} 次，共 {{maxAttempts}} 次',
  PSCallbackPlaceCallNow: '立即呼叫 {{phoneNumber}}',
  PSCallbackRetryLater: '稍后重试',
  PSCallbackSystemTime: '系统时间：{{systemTime}}',
  PSCallbackVoicemailLoading: '正在加载语音留言...',
  PSCallbackVoicemailError: '加载语音留言出错。',
  PSCallbackVoicemailTryAgain: '重试',
  PSCallbackCallback: '回电',
  PSCallbackVoicemail: '语音留言',
};

/**
 * dictionaries holds every locale the shim ships, by Flex locale tag.
 * @type {Record<string, Record<string, string>>}
 */
export const dictionaries = {
  'en-US': enUS,
  'es-MX': esMX,
  'es-ES': esES,
  'pt-BR': ptBR,
  th,
  'zh-Hans': zhHans,
};

/**
 * userLanguage resolves the agent's language as the reference does: Flex's locale tag, then the
 * worker attribute `language`, then custom_data.language; "default" means the browser's language,
 * and nothing at all means en-US.
 * @param {Pick<ManagerApi, 'store' | 'localization'>} manager
 * @param {{language: string}} config
 * @param {Record<string, unknown> | undefined} workerAttrs
 * @param {string | undefined} navigatorLanguage
 * @returns {string}
 */
export function userLanguage(manager, config, workerAttrs, navigatorLanguage) {
  const flexTag = nativeLocalization(manager) ? manager.localization?.localeTag : '';
  const workerLanguage = typeof workerAttrs?.language === 'string' ? workerAttrs.language : '';
  const tag = flexTag || workerLanguage || config.language || 'en-US';
  if (tag === 'default') return navigatorLanguage || 'en-US';
  return tag;
}

// nativeLocalization reports whether Flex's own locale picker (feature flag localization-beta)
// is on; only then is Flex's localeTag the user's choice rather than a default.
/** @param {Pick<ManagerApi, 'store'> | undefined} manager */
function nativeLocalization(manager) {
  const flags = manager?.store?.getState?.()?.flex?.featureFlags;
  const local = flags?.localOverrides?.['localization-beta']?.enabled;
  if (local !== undefined) return local === true;
  return flags?.features?.['localization-beta']?.enabled === true;
}

// dictionaryFor finds the dictionary of a tag, ignoring case ("zh-hans", "PT-br").
/** @param {string} tag */
function dictionaryFor(tag) {
  const want = String(tag).toLowerCase();
  const key = Object.keys(dictionaries).find((k) => k.toLowerCase() === want);
  return key ? dictionaries[key] : {};
}

/**
 * registerStrings merges the user's dictionary over en-US into manager.strings, so a key missing
 * in a translation falls back to English.
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {string} language
 */
export function registerStrings(manager, language) {
  manager.strings = { ...manager.strings, ...enUS, ...dictionaryFor(language) };
  console.info(`[plugin-flexcallback] registerStrings: merged the ${language} strings over en-US into manager.strings`);
}

/**
 * flexString reads one of the shim's strings from manager.strings, or the key when it is missing.
 * Flex's Strings type declares only Flex's own keys, while Flex documents manager.strings as the
 * place for a plugin's keys too; hence the one cast, to the record it is at run time.
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {string} key
 * @returns {string}
 */
export function flexString(manager, key) {
  const strings = /** @type {Record<string, string | undefined>} */ (manager.strings ?? {});
  return strings[key] || key;
}
