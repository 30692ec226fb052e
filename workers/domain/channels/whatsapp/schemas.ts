import { z } from "zod";

/** `POST /api/channels/whatsapp`: one phone number of a bot (issue 17 contract). */
export const WhatsAppChannelInput = z
  .object({
    botId: z.string().min(1).max(64),
    phoneNumberId: z.string().regex(/^\d{1,30}$/, "Meta's phone number id (digits)"),
    accessToken: z.string().min(8).max(1024),
    appSecret: z.string().min(8).max(256),
    verifyToken: z.string().min(8).max(256),
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

/** An approved template, sent when the 24-hour window is closed (next-wave.md §3.2 body shape). */
export const TemplateInput = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, "the template's name as approved by Meta"),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "a template language code such as en_US"),
    parameters: z.array(z.string().min(1).max(1024)).max(20).optional(),
  })
  .strict();
export type TemplateInput = z.infer<typeof TemplateInput>;
