import { z } from "zod";

const WabaId = z.string().regex(/^\d{1,30}$/, "Meta's WhatsApp Business Account id (digits)");

/** `POST /api/channels/whatsapp`: one phone number of a bot (issue 17 contract); `wabaId` enables template sync. */
export const WhatsAppChannelInput = z
  .object({
    botId: z.string().min(1).max(64),
    phoneNumberId: z.string().regex(/^\d{1,30}$/, "Meta's phone number id (digits)"),
    accessToken: z.string().min(8).max(1024),
    appSecret: z.string().min(8).max(256),
    verifyToken: z.string().min(8).max(256),
    wabaId: WabaId.optional(),
  })
  .strict();
export type WhatsAppChannelInput = z.infer<typeof WhatsAppChannelInput>;

/** Sealed together under the tenant key. */
export const WhatsAppSecrets = z.object({ accessToken: z.string(), appSecret: z.string(), verifyToken: z.string() });
export type WhatsAppSecrets = z.infer<typeof WhatsAppSecrets>;

/** Webhook bodies above this are refused before the signature is even computed. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** WhatsApp's text body limit (protocols.md §5.3). */
export const MAX_WHATSAPP_TEXT = 4096;

/** A media message's object (protocols.md §5.2): Meta's media id, type and checksum, an optional caption. */
const Media = z
  .object({
    id: z.string().max(128).optional(),
    mime_type: z.string().max(127).optional(),
    sha256: z.string().max(128).optional(),
    caption: z.string().max(1024).optional(),
  })
  .loose();

const InboundMessage = z
  .object({
    from: z.string().max(32),
    id: z.string().min(1).max(256),
    timestamp: z.string().regex(/^\d{1,12}$/),
    type: z.string().max(32),
    text: z.object({ body: z.string().max(MAX_WHATSAPP_TEXT) }).optional(),
    interactive: z
      .object({
        type: z.string().max(32),
        button_reply: z.object({ id: z.string(), title: z.string().max(256) }).optional(),
        list_reply: z.object({ id: z.string(), title: z.string().max(256) }).optional(),
      })
      .optional(),
    button: z.object({ text: z.string().max(256) }).optional(),
    image: Media.optional(),
    document: Media.extend({ filename: z.string().max(512).optional() }).optional(),
    audio: Media.extend({ voice: z.boolean().optional() }).optional(),
  })
  .loose();
export type InboundWhatsAppMessage = z.infer<typeof InboundMessage>;

const Status = z
  .object({
    id: z.string().min(1).max(256),
    status: z.enum(["sent", "delivered", "read", "failed"]),
    timestamp: z.string(),
    recipient_id: z.string().optional(),
    errors: z
      .array(z.object({ code: z.number().optional(), title: z.string().max(512).optional() }).loose())
      .max(10)
      .optional(),
  })
  .loose();
export type WhatsAppStatus = z.infer<typeof Status>;

/** Meta's notification (protocols.md §5.2), parsed only after the signature check. */
export const WhatsAppNotification = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z
    .array(
      z.object({
        id: z.string(),
        changes: z
          .array(
            z.object({
              field: z.string(),
              value: z
                .object({
                  metadata: z.object({ phone_number_id: z.string() }).loose().optional(),
                  contacts: z
                    .array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).optional() }))
                    .max(100)
                    .optional(),
                  messages: z.array(InboundMessage).max(100).optional(),
                  statuses: z.array(Status).max(100).optional(),
                })
                .loose(),
            }),
          )
          .max(100),
      }),
    )
    .max(100),
});
export type WhatsAppNotification = z.infer<typeof WhatsAppNotification>;

const TemplateName = z.string().regex(/^[a-z0-9_]{1,512}$/, "the template's name as approved by Meta");
const LanguageCode = z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "a template language code such as en_US");

/** A template component's parameters in the official send shape (text, currency, date_time, payload…). */
const TemplateParameter = z
  .object({
    type: z.enum(["text", "currency", "date_time", "image", "document", "video", "payload", "coupon_code"]),
    text: z.string().min(1).max(1024).optional(),
  })
  .loose();
export const TemplateComponent = z
  .object({
    type: z.enum(["header", "body", "button"]),
    sub_type: z.enum(["quick_reply", "url", "copy_code"]).optional(),
    index: z.union([z.string().regex(/^\d{1,2}$/), z.number().int().min(0).max(9)]).optional(),
    parameters: z.array(TemplateParameter).max(20),
  })
  .strict();
export type TemplateComponent = z.infer<typeof TemplateComponent>;

/**
 * An approved template, sent when the 24-hour window is closed. Either the official message shape
 * `{ template: { name, language, components? } }` (language a code or `{ code, policy? }`), or the
 * short form `{ name, language, parameters? }` whose parameters fill the body's {{1}}, {{2}}…
 */
export const TemplateInput = z.union([
  z
    .object({
      template: z
        .object({
          name: TemplateName,
          language: z.union([
            LanguageCode,
            z.object({ code: LanguageCode, policy: z.literal("deterministic").optional() }).strict(),
          ]),
          components: z.array(TemplateComponent).max(10).optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      name: TemplateName,
      language: LanguageCode,
      parameters: z.array(z.string().min(1).max(1024)).max(20).optional(),
    })
    .strict(),
]);
export type TemplateInput = z.infer<typeof TemplateInput>;

/** The approved template list as `GET /{waba-id}/message_templates` answers it (one page). */
export const GraphTemplatePage = z
  .object({
    data: z
      .array(
        z
          .object({
            name: z.string().max(512),
            language: z.string().max(16),
            status: z.string().max(32),
            category: z.string().max(32).optional(),
            components: z
              .array(z.object({ type: z.string().max(32), text: z.string().max(4096).optional() }).loose())
              .max(20)
              .optional(),
          })
          .loose(),
      )
      .max(1000),
    paging: z
      .object({ next: z.string().max(2048).optional() })
      .loose()
      .optional(),
  })
  .loose();

export type GraphTemplatePage = z.infer<typeof GraphTemplatePage>;

/** `PATCH /api/channels/whatsapp/:id`: the WhatsApp Business Account templates are synced from. */
export const WhatsAppChannelPatch = z.object({ wabaId: WabaId }).strict();
export type WhatsAppChannelPatch = z.infer<typeof WhatsAppChannelPatch>;
