package ui

import "strings"

// String keys. The first twenty are the reference's (spec §5.11), kept so translators and the shim
// share one vocabulary; the rest are the panel's own, under the same prefix.
const (
	keyErrorCallingCustomer = "PSCallbackErrorCallingCustomerNotification"
	keyOutboundNotEnabled   = "PSCallbackOutboundDialingNotEnabledNotification"
	keyRequestHeading       = "PSCallbackRequestHeading"
	keyRequestDescription   = "PSCallbackRequestDescription"
	keyVoicemailHeading     = "PSCallbackVoicemailRequestHeading"
	keyVoicemailDescription = "PSCallbackVoicemailRequestDescription"
	keyVoicemailRecording   = "PSCallbackVoicemailRecording"
	keyVoicemailTranscript  = "PSCallbackVoicemailTranscript"
	keyContactPhone         = "PSCallbackContactPhone"
	keyCallReceptionTime    = "PSCallbackCallReceptionTime"
	keyAttemptHeading       = "PSCallbackAttemptHeading"
	keyAttempts             = "PSCallbackAttempts"
	keyPlaceCallNow         = "PSCallbackPlaceCallNow"
	keyRetryLater           = "PSCallbackRetryLater"
	keySystemTime           = "PSCallbackSystemTime"
	keyVoicemailLoading     = "PSCallbackVoicemailLoading"
	keyVoicemailError       = "PSCallbackVoicemailError"
	keyVoicemailTryAgain    = "PSCallbackVoicemailTryAgain"
	keyVoicemailAccept      = "PSCallbackVoicemailAcceptToPlay"
	keyChannelCallback      = "PSCallbackCallback"
	keyChannelVoicemail     = "PSCallbackVoicemail"
	keyDeleteVoicemail      = "PSCallbackDeleteVoicemail"
	keyDeleteConfirm        = "PSCallbackDeleteVoicemailConfirm"
	keyDeleteYes            = "PSCallbackDeleteVoicemailYes"
	keyCancel               = "PSCallbackCancel"
	keyVoicemailDeleted     = "PSCallbackVoicemailDeleted"
	keyErrorDeleting        = "PSCallbackErrorDeletingVoicemailNotification"
	keyErrorRequeuing       = "PSCallbackErrorRequeuingCallbackTaskNotification"
	keyRequeued             = "PSCallbackRequeued"
	keyCalling              = "PSCallbackCalling"
	keyWaiting              = "PSCallbackWaitingForTask"
	keyNoAnswerFromFlex     = "PSCallbackNoAnswerFromFlex"
	keySystemTimeLabel      = "PSCallbackSystemTimeLabel"
	keyNoNumber             = "PSCallbackNoNumber"
	keyPanelLabel           = "PSCallbackPanelLabel"
	keyTranscriptFailed     = "PSCallbackVoicemailTranscriptUnavailable"
	keyMergedHeading        = "PSCallbackMergedRequests"
	keyMergedCallback       = "PSCallbackMergedCallback"
	keyMergedVoicemail      = "PSCallbackMergedVoicemail"
	keyRetryAt              = "PSCallbackRetryAt"
	keyRetryAtLegend        = "PSCallbackRetryAtLegend"
	keyRetryInHour          = "PSCallbackRetryInOneHour"
	keyRetryAfternoon       = "PSCallbackRetryThisAfternoon"
	keyRetryTomorrow        = "PSCallbackRetryTomorrowMorning"
	keyRetryAtTime          = "PSCallbackRetryAtTime"
	keyYourTimeZone         = "PSCallbackYourTimeZone"
	keyRetryAtSubmit        = "PSCallbackRetryAtSubmit"
	keyRetryScheduled       = "PSCallbackRetryScheduled"
	keyScheduledFor         = "PSCallbackScheduledFor"
)

// defaultLocale is used when nothing better matches.
const defaultLocale = "en-US"

// localeOrder is the order in which a bare language prefix picks a dictionary ("es" → es-MX).
var localeOrder = []string{"en-US", "es-MX", "es-ES", "pt-BR", "th", "zh-Hans"}

var spanish = map[string]string{
	keyErrorCallingCustomer: "No se pudo llamar a {{customer}}. Inténtelo de nuevo.",
	keyOutboundNotEnabled:   "Las llamadas salientes no están habilitadas. Avise a un administrador del sistema.",
	keyRequestHeading:       "Solicitud de devolución de llamada",
	keyRequestDescription:   "Un contacto pidió que le devuelvan la llamada lo antes posible.",
	keyVoicemailHeading:     "Buzón de voz del contacto",
	keyVoicemailDescription: "Un contacto dejó un mensaje de voz que requiere su atención.",
	keyVoicemailRecording:   "Grabación del mensaje de voz",
	keyVoicemailTranscript:  "Transcripción del mensaje de voz",
	keyTranscriptFailed:     "Transcripción no disponible",
	keyContactPhone:         "Teléfono del contacto",
	keyCallReceptionTime:    "Hora de recepción de la llamada",
	keyAttemptHeading:       "Intento de devolución de llamada",
	keyAttempts:             "{{thisAttempt}} de {{maxAttempts}}",
	keyPlaceCallNow:         "Llamar ahora a {{phoneNumber}}",
	keyRetryLater:           "Reintentar más tarde",
	keySystemTime:           "Hora del sistema: {{systemTime}}",
	keyVoicemailLoading:     "Cargando el mensaje de voz...",
	keyVoicemailError:       "Error al cargar el mensaje de voz.",
	keyVoicemailTryAgain:    "Intentar de nuevo",
	keyVoicemailAccept:      "Acepte la tarea para escuchar el mensaje de voz.",
	keyChannelCallback:      "Devolución de llamada",
	keyChannelVoicemail:     "Mensaje de voz",
	keyDeleteVoicemail:      "Eliminar mensaje de voz",
	keyDeleteConfirm:        "¿Eliminar este mensaje de voz definitivamente? No se puede deshacer.",
	keyDeleteYes:            "Sí, eliminar",
	keyCancel:               "Cancelar",
	keyVoicemailDeleted:     "Mensaje de voz eliminado.",
	keyErrorDeleting:        "No se pudo eliminar el mensaje de voz: {{reason}}",
	keyErrorRequeuing:       "No se pudo reprogramar la devolución de llamada: {{reason}}",
	keyRequeued:             "Devolución de llamada reprogramada como intento {{nextAttempt}}.",
	keyCalling:              "Llamando a {{phoneNumber}}…",
	keyWaiting:              "Esperando la tarea…",
	keyNoAnswerFromFlex:     "Flex no respondió. Inténtelo de nuevo.",
	keySystemTimeLabel:      "Hora del sistema",
	keyNoNumber:             "Esta tarea no tiene número para llamar.",
	keyPanelLabel:           "Devolución de llamada y buzón de voz",
	keyMergedHeading:        "Más solicitudes de este contacto ({{count}})",
	keyMergedCallback:       "Volvió a pedir que le llamen",
	keyMergedVoicemail:      "Dejó un mensaje de voz",
	keyRetryAt:              "Reintentar a las…",
	keyRetryAtLegend:        "¿Cuándo volver a llamar?",
	keyRetryInHour:          "En 1 hora",
	keyRetryAfternoon:       "Esta tarde",
	keyRetryTomorrow:        "Mañana por la mañana",
	keyRetryAtTime:          "Fecha y hora ({{zone}})",
	keyYourTimeZone:         "su zona horaria",
	keyRetryAtSubmit:        "Programar reintento",
	keyRetryScheduled:       "Devolución de llamada programada para el {{time}} como intento {{nextAttempt}}.",
	keyScheduledFor:         "Programada para",
}

// dictionaries holds every locale in full: unlike the reference, no locale falls back to English
// key by key (fixes U5); strings_test.go checks that each has every key.
var dictionaries = map[string]map[string]string{
	"en-US": {
		keyErrorCallingCustomer: "Calling {{customer}} failed. Please try again.",
		keyOutboundNotEnabled:   "Outbound dialing is not enabled. Please tell a system administrator.",
		keyRequestHeading:       "Callback Request",
		keyRequestDescription:   "A contact asked to be called back as soon as possible.",
		keyVoicemailHeading:     "Contact Voicemail",
		keyVoicemailDescription: "A contact left a voicemail that needs your attention.",
		keyVoicemailRecording:   "Voicemail recording",
		keyVoicemailTranscript:  "Voicemail transcript",
		keyTranscriptFailed:     "Transcript unavailable",
		keyContactPhone:         "Contact phone",
		keyCallReceptionTime:    "Call reception time",
		keyAttemptHeading:       "Callback attempt",
		keyAttempts:             "{{thisAttempt}} of {{maxAttempts}}",
		keyPlaceCallNow:         "Place Call Now To {{phoneNumber}}",
		keyRetryLater:           "Retry Later",
		keySystemTime:           "System time: {{systemTime}}",
		keyVoicemailLoading:     "Loading voicemail...",
		keyVoicemailError:       "Error loading voicemail.",
		keyVoicemailTryAgain:    "Try again",
		keyVoicemailAccept:      "Accept the task to play the voicemail.",
		keyChannelCallback:      "Callback",
		keyChannelVoicemail:     "Voicemail",
		keyDeleteVoicemail:      "Delete voicemail",
		keyDeleteConfirm:        "Delete this voicemail for good? This cannot be undone.",
		keyDeleteYes:            "Yes, delete",
		keyCancel:               "Cancel",
		keyVoicemailDeleted:     "Voicemail deleted.",
		keyErrorDeleting:        "The voicemail could not be deleted: {{reason}}",
		keyErrorRequeuing:       "The callback could not be rescheduled: {{reason}}",
		keyRequeued:             "Callback rescheduled as attempt {{nextAttempt}}.",
		keyCalling:              "Calling {{phoneNumber}}…",
		keyWaiting:              "Waiting for the task…",
		keyNoAnswerFromFlex:     "Flex did not answer. Please try again.",
		keySystemTimeLabel:      "System time",
		keyNoNumber:             "This task has no number to call.",
		keyPanelLabel:           "Callback and voicemail",
		keyMergedHeading:        "More requests from this contact ({{count}})",
		keyMergedCallback:       "Asked again to be called back",
		keyMergedVoicemail:      "Left a voicemail",
		keyRetryAt:              "Retry At…",
		keyRetryAtLegend:        "When should the contact be called back?",
		keyRetryInHour:          "In 1 hour",
		keyRetryAfternoon:       "This afternoon",
		keyRetryTomorrow:        "Tomorrow morning",
		keyRetryAtTime:          "Date and time ({{zone}})",
		keyYourTimeZone:         "your time zone",
		keyRetryAtSubmit:        "Schedule retry",
		keyRetryScheduled:       "Callback scheduled for {{time}} as attempt {{nextAttempt}}.",
		keyScheduledFor:         "Scheduled for",
	},
	"es-MX": spanish,
	"es-ES": withOverrides(spanish, map[string]string{
		keyErrorCallingCustomer: "No se ha podido llamar a {{customer}}. Inténtelo de nuevo.",
		keyRequestDescription:   "Un contacto ha pedido que le devuelvan la llamada lo antes posible.",
		keyVoicemailDescription: "Un contacto ha dejado un mensaje de voz que requiere su atención.",
		keyErrorDeleting:        "No se ha podido eliminar el mensaje de voz: {{reason}}",
		keyErrorRequeuing:       "No se ha podido reprogramar la devolución de llamada: {{reason}}",
		keyNoAnswerFromFlex:     "Flex no ha respondido. Inténtelo de nuevo.",
	}),
	"pt-BR": {
		keyErrorCallingCustomer: "Não foi possível ligar para {{customer}}. Tente novamente.",
		keyOutboundNotEnabled:   "As chamadas de saída não estão habilitadas. Avise um administrador do sistema.",
		keyRequestHeading:       "Pedido de retorno de chamada",
		keyRequestDescription:   "Um contato pediu retorno de chamada o quanto antes.",
		keyVoicemailHeading:     "Correio de voz do contato",
		keyVoicemailDescription: "Um contato deixou uma mensagem de voz que precisa da sua atenção.",
		keyVoicemailRecording:   "Gravação da mensagem de voz",
		keyVoicemailTranscript:  "Transcrição da mensagem de voz",
		keyTranscriptFailed:     "Transcrição indisponível",
		keyContactPhone:         "Telefone do contato",
		keyCallReceptionTime:    "Horário de recebimento da chamada",
		keyAttemptHeading:       "Tentativa de retorno",
		keyAttempts:             "{{thisAttempt}} de {{maxAttempts}}",
		keyPlaceCallNow:         "Ligar agora para {{phoneNumber}}",
		keyRetryLater:           "Tentar mais tarde",
		keySystemTime:           "Horário do sistema: {{systemTime}}",
		keyVoicemailLoading:     "Carregando a mensagem de voz...",
		keyVoicemailError:       "Erro ao carregar a mensagem de voz.",
		keyVoicemailTryAgain:    "Tentar novamente",
		keyVoicemailAccept:      "Aceite a tarefa para ouvir a mensagem de voz.",
		keyChannelCallback:      "Retorno de chamada",
		keyChannelVoicemail:     "Correio de voz",
		keyDeleteVoicemail:      "Excluir mensagem de voz",
		keyDeleteConfirm:        "Excluir esta mensagem de voz definitivamente? Não é possível desfazer.",
		keyDeleteYes:            "Sim, excluir",
		keyCancel:               "Cancelar",
		keyVoicemailDeleted:     "Mensagem de voz excluída.",
		keyErrorDeleting:        "Não foi possível excluir a mensagem de voz: {{reason}}",
		keyErrorRequeuing:       "Não foi possível reagendar o retorno: {{reason}}",
		keyRequeued:             "Retorno reagendado como tentativa {{nextAttempt}}.",
		keyCalling:              "Ligando para {{phoneNumber}}…",
		keyWaiting:              "Aguardando a tarefa…",
		keyNoAnswerFromFlex:     "O Flex não respondeu. Tente novamente.",
		keySystemTimeLabel:      "Horário do sistema",
		keyNoNumber:             "Esta tarefa não tem número para ligar.",
		keyPanelLabel:           "Retorno de chamada e correio de voz",
		keyMergedHeading:        "Mais solicitações deste contato ({{count}})",
		keyMergedCallback:       "Pediu retorno novamente",
		keyMergedVoicemail:      "Deixou uma mensagem de voz",
		keyRetryAt:              "Tentar às…",
		keyRetryAtLegend:        "Quando ligar de volta para o contato?",
		keyRetryInHour:          "Em 1 hora",
		keyRetryAfternoon:       "Hoje à tarde",
		keyRetryTomorrow:        "Amanhã de manhã",
		keyRetryAtTime:          "Data e hora ({{zone}})",
		keyYourTimeZone:         "seu fuso horário",
		keyRetryAtSubmit:        "Agendar nova tentativa",
		keyRetryScheduled:       "Retorno agendado para {{time}} como tentativa {{nextAttempt}}.",
		keyScheduledFor:         "Agendado para",
	},
	"th": {
		keyErrorCallingCustomer: "โทรหา {{customer}} ไม่สำเร็จ โปรดลองอีกครั้ง",
		keyOutboundNotEnabled:   "ยังไม่ได้เปิดใช้การโทรออก โปรดแจ้งผู้ดูแลระบบ",
		keyRequestHeading:       "คำขอให้โทรกลับ",
		keyRequestDescription:   "ผู้ติดต่อขอให้โทรกลับโดยเร็วที่สุด",
		keyVoicemailHeading:     "ข้อความเสียงของผู้ติดต่อ",
		keyVoicemailDescription: "ผู้ติดต่อฝากข้อความเสียงที่ต้องการความสนใจจากคุณ",
		keyVoicemailRecording:   "การบันทึกข้อความเสียง",
		keyVoicemailTranscript:  "ข้อความถอดเสียง",
		keyTranscriptFailed:     "ไม่มีข้อความถอดเสียง",
		keyContactPhone:         "หมายเลขโทรศัพท์ของผู้ติดต่อ",
		keyCallReceptionTime:    "เวลาที่รับสาย",
		keyAttemptHeading:       "ครั้งที่โทรกลับ",
		keyAttempts:             "{{thisAttempt}} จาก {{maxAttempts}}",
		keyPlaceCallNow:         "โทรหา {{phoneNumber}} ทันที",
		keyRetryLater:           "ลองใหม่ภายหลัง",
		keySystemTime:           "เวลาของระบบ: {{systemTime}}",
		keyVoicemailLoading:     "กำลังโหลดข้อความเสียง...",
		keyVoicemailError:       "โหลดข้อความเสียงไม่สำเร็จ",
		keyVoicemailTryAgain:    "ลองอีกครั้ง",
		keyVoicemailAccept:      "รับงานนี้เพื่อฟังข้อความเสียง",
		keyChannelCallback:      "โทรกลับ",
		keyChannelVoicemail:     "ข้อความเสียง",
		keyDeleteVoicemail:      "ลบข้อความเสียง",
		keyDeleteConfirm:        "ลบข้อความเสียงนี้ถาวรหรือไม่ การลบนี้ย้อนกลับไม่ได้",
		keyDeleteYes:            "ใช่ ลบเลย",
		keyCancel:               "ยกเลิก",
		keyVoicemailDeleted:     "ลบข้อความเสียงแล้ว",
		keyErrorDeleting:        "ลบข้อความเสียงไม่สำเร็จ: {{reason}}",
		keyErrorRequeuing:       "เลื่อนการโทรกลับไม่สำเร็จ: {{reason}}",
		keyRequeued:             "เลื่อนการโทรกลับเป็นครั้งที่ {{nextAttempt}} แล้ว",
		keyCalling:              "กำลังโทรหา {{phoneNumber}}…",
		keyWaiting:              "กำลังรองาน…",
		keyNoAnswerFromFlex:     "Flex ไม่ตอบสนอง โปรดลองอีกครั้ง",
		keySystemTimeLabel:      "เวลาของระบบ",
		keyNoNumber:             "งานนี้ไม่มีหมายเลขให้โทร",
		keyPanelLabel:           "โทรกลับและข้อความเสียง",
		keyMergedHeading:        "คำขอเพิ่มเติมจากผู้ติดต่อนี้ ({{count}})",
		keyMergedCallback:       "ขอให้โทรกลับอีกครั้ง",
		keyMergedVoicemail:      "ฝากข้อความเสียง",
		keyRetryAt:              "ลองใหม่เวลา…",
		keyRetryAtLegend:        "ควรโทรกลับหาผู้ติดต่อเมื่อใด",
		keyRetryInHour:          "ในอีก 1 ชั่วโมง",
		keyRetryAfternoon:       "บ่ายนี้",
		keyRetryTomorrow:        "พรุ่งนี้เช้า",
		keyRetryAtTime:          "วันที่และเวลา ({{zone}})",
		keyYourTimeZone:         "เขตเวลาของคุณ",
		keyRetryAtSubmit:        "กำหนดเวลาลองใหม่",
		keyRetryScheduled:       "กำหนดโทรกลับเวลา {{time}} เป็นครั้งที่ {{nextAttempt}} แล้ว",
		keyScheduledFor:         "กำหนดเวลาไว้",
	},
	"zh-Hans": {
		keyErrorCallingCustomer: "呼叫 {{customer}} 失败，请重试。",
		keyOutboundNotEnabled:   "未启用外呼功能，请联系系统管理员。",
		keyRequestHeading:       "回电请求",
		keyRequestDescription:   "有联系人请求尽快回电。",
		keyVoicemailHeading:     "联系人语音留言",
		keyVoicemailDescription: "有联系人留下了需要您处理的语音留言。",
		keyVoicemailRecording:   "语音留言录音",
		keyVoicemailTranscript:  "语音留言文字稿",
		keyTranscriptFailed:     "文字稿不可用",
		keyContactPhone:         "联系人电话",
		keyCallReceptionTime:    "来电接收时间",
		keyAttemptHeading:       "回电尝试",
		keyAttempts:             "第 {{thisAttempt}} 次，共 {{maxAttempts}} 次",
		keyPlaceCallNow:         "立即呼叫 {{phoneNumber}}",
		keyRetryLater:           "稍后重试",
		keySystemTime:           "系统时间：{{systemTime}}",
		keyVoicemailLoading:     "正在加载语音留言...",
		keyVoicemailError:       "加载语音留言时出错。",
		keyVoicemailTryAgain:    "重试",
		keyVoicemailAccept:      "接受任务后即可播放语音留言。",
		keyChannelCallback:      "回电",
		keyChannelVoicemail:     "语音留言",
		keyDeleteVoicemail:      "删除语音留言",
		keyDeleteConfirm:        "要永久删除此语音留言吗？此操作无法撤销。",
		keyDeleteYes:            "是，删除",
		keyCancel:               "取消",
		keyVoicemailDeleted:     "语音留言已删除。",
		keyErrorDeleting:        "无法删除语音留言：{{reason}}",
		keyErrorRequeuing:       "无法重新安排回电：{{reason}}",
		keyRequeued:             "已重新安排回电，第 {{nextAttempt}} 次尝试。",
		keyCalling:              "正在呼叫 {{phoneNumber}}…",
		keyWaiting:              "正在等待任务…",
		keyNoAnswerFromFlex:     "Flex 没有响应，请重试。",
		keySystemTimeLabel:      "系统时间",
		keyNoNumber:             "此任务没有可呼叫的号码。",
		keyPanelLabel:           "回电和语音留言",
		keyMergedHeading:        "该联系人的更多请求（{{count}}）",
		keyMergedCallback:       "再次请求回电",
		keyMergedVoicemail:      "留下了语音留言",
		keyRetryAt:              "定时重试…",
		keyRetryAtLegend:        "何时回电给该联系人？",
		keyRetryInHour:          "1 小时后",
		keyRetryAfternoon:       "今天下午",
		keyRetryTomorrow:        "明天上午",
		keyRetryAtTime:          "日期和时间（{{zone}}）",
		keyYourTimeZone:         "您的时区",
		keyRetryAtSubmit:        "安排重试",
		keyRetryScheduled:       "已安排在 {{time}} 回电，第 {{nextAttempt}} 次尝试。",
		keyScheduledFor:         "安排时间",
	},
}

func withOverrides(base, over map[string]string) map[string]string {
	m := make(map[string]string, len(base))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// matchLocale picks the dictionary for a BCP 47 tag: an exact match (any case), then the first
// dictionary of the same language ("es-AR" → es-MX, "zh-CN" → zh-Hans), then en-US.
func matchLocale(tag string) string {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	for _, l := range localeOrder {
		if strings.EqualFold(l, tag) {
			return l
		}
	}
	lang, _, _ := strings.Cut(strings.ToLower(tag), "-")
	for _, l := range localeOrder {
		if p, _, _ := strings.Cut(strings.ToLower(l), "-"); p == lang {
			return l
		}
	}
	return defaultLocale
}

// tr returns the string key in locale with each {{name}} replaced by args[name]. A key missing
// from a dictionary falls back to en-US, then to the key itself, so a gap shows, never blanks.
func tr(locale, key string, args map[string]string) string {
	s, ok := dictionaries[locale][key]
	if !ok {
		s, ok = dictionaries[defaultLocale][key]
	}
	if !ok {
		s = key
	}
	if len(args) == 0 {
		return s
	}
	return fill(s, args)
}

// fill replaces each {{name}} in s that args names with its value, leaving other braces as they
// are, and does not look at what it put in. It does what a strings.Replacer of the {{name}}
// pairs would, without linking the Replacer's machinery (a few KB of wasm).
func fill(s string, args map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		if v, ok := args[s[i+2:i+2+j]]; ok {
			b.WriteString(s[:i])
			b.WriteString(v)
			s = s[i+2+j+2:]
			continue
		}
		// Not a name: keep one brace and look again from the next byte, as in "{{{a}}".
		b.WriteString(s[:i+1])
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}
