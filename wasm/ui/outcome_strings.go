package ui

// The outcome step's strings (outcome.go), in every locale of dictionaries; init adds them there,
// so strings_test.go checks them like every other key.
const (
	keyOutcomeHeading        = "PSCallbackOutcomeHeading"
	keyOutcomeReached        = "PSCallbackOutcomeReached"
	keyOutcomeNoAnswer       = "PSCallbackOutcomeNoAnswer"
	keyOutcomeBusy           = "PSCallbackOutcomeBusy"
	keyOutcomeLeftMessage    = "PSCallbackOutcomeLeftMessage"
	keyOutcomeWrongNumber    = "PSCallbackOutcomeWrongNumber"
	keyOutcomeRecorded       = "PSCallbackOutcomeRecorded"
	keyOutcomeRetryOffer     = "PSCallbackOutcomeRetryOffer"
	keyOutcomeEnded          = "PSCallbackOutcomeEnded"
	keyErrorRecordingOutcome = "PSCallbackErrorRecordingOutcomeNotification"
	keyErrorWrappingUp       = "PSCallbackErrorWrappingUpNotification"
)

var outcomeSpanish = map[string]string{
	keyOutcomeHeading:        "¿Cuál fue el resultado de la llamada?",
	keyOutcomeReached:        "Contactado",
	keyOutcomeNoAnswer:       "No contestó",
	keyOutcomeBusy:           "Ocupado",
	keyOutcomeLeftMessage:    "Se dejó un mensaje",
	keyOutcomeWrongNumber:    "Número equivocado",
	keyOutcomeRecorded:       "Resultado: {{outcome}}",
	keyOutcomeRetryOffer:     "¿Volver a intentarlo más tarde?",
	keyOutcomeEnded:          "Número equivocado: esta devolución de llamada terminó.",
	keyErrorRecordingOutcome: "No se pudo registrar el resultado: {{reason}}",
	keyErrorWrappingUp:       "La devolución de llamada terminó, pero Flex no cerró la tarea: {{reason}}",
}

var outcomeStrings = map[string]map[string]string{
	"en-US": {
		keyOutcomeHeading:        "What came of the call?",
		keyOutcomeReached:        "Reached",
		keyOutcomeNoAnswer:       "No answer",
		keyOutcomeBusy:           "Busy",
		keyOutcomeLeftMessage:    "Left a message",
		keyOutcomeWrongNumber:    "Wrong number",
		keyOutcomeRecorded:       "Outcome: {{outcome}}",
		keyOutcomeRetryOffer:     "Try the customer again later?",
		keyOutcomeEnded:          "Wrong number: this callback has ended.",
		keyErrorRecordingOutcome: "The outcome could not be recorded: {{reason}}",
		keyErrorWrappingUp:       "The callback ended, but Flex did not wrap the task up: {{reason}}",
	},
	"es-MX": outcomeSpanish,
	"es-ES": outcomeSpanish,
	"pt-BR": {
		keyOutcomeHeading:        "Qual foi o resultado da ligação?",
		keyOutcomeReached:        "Atendeu",
		keyOutcomeNoAnswer:       "Sem resposta",
		keyOutcomeBusy:           "Ocupado",
		keyOutcomeLeftMessage:    "Deixou recado",
		keyOutcomeWrongNumber:    "Número errado",
		keyOutcomeRecorded:       "Resultado: {{outcome}}",
		keyOutcomeRetryOffer:     "Tentar de novo mais tarde?",
		keyOutcomeEnded:          "Número errado: este retorno de chamada foi encerrado.",
		keyErrorRecordingOutcome: "Não foi possível registrar o resultado: {{reason}}",
		keyErrorWrappingUp:       "O retorno foi encerrado, mas o Flex não finalizou a tarefa: {{reason}}",
	},
	"th": {
		keyOutcomeHeading:        "ผลการโทรเป็นอย่างไร",
		keyOutcomeReached:        "ติดต่อได้",
		keyOutcomeNoAnswer:       "ไม่มีผู้รับสาย",
		keyOutcomeBusy:           "สายไม่ว่าง",
		keyOutcomeLeftMessage:    "ฝากข้อความแล้ว",
		keyOutcomeWrongNumber:    "หมายเลขผิด",
		keyOutcomeRecorded:       "ผลการโทร: {{outcome}}",
		keyOutcomeRetryOffer:     "ลองโทรหาลูกค้าอีกครั้งภายหลังหรือไม่",
		keyOutcomeEnded:          "หมายเลขผิด: การโทรกลับนี้สิ้นสุดแล้ว",
		keyErrorRecordingOutcome: "ไม่สามารถบันทึกผลการโทรได้: {{reason}}",
		keyErrorWrappingUp:       "การโทรกลับสิ้นสุดแล้ว แต่ Flex ไม่ได้ปิดงาน: {{reason}}",
	},
	"zh-Hans": {
		keyOutcomeHeading:        "这次通话的结果如何？",
		keyOutcomeReached:        "已接通",
		keyOutcomeNoAnswer:       "无人接听",
		keyOutcomeBusy:           "占线",
		keyOutcomeLeftMessage:    "已留言",
		keyOutcomeWrongNumber:    "号码错误",
		keyOutcomeRecorded:       "结果：{{outcome}}",
		keyOutcomeRetryOffer:     "稍后再试一次？",
		keyOutcomeEnded:          "号码错误：此回电已结束。",
		keyErrorRecordingOutcome: "无法记录结果：{{reason}}",
		keyErrorWrappingUp:       "回电已结束，但 Flex 未能结束该任务：{{reason}}",
	},
}

func init() {
	for locale, strings := range outcomeStrings {
		for k, v := range strings {
			dictionaries[locale][k] = v
		}
	}
}
