/** The one-line embed snippet for a bot (Bots screen and the inbox's "Get started"). */
export function embedSnippet(publishableKey: string, origin = location.origin) {
  return `<script src="${origin}/widget.js" data-bot="${publishableKey}" async></script>`;
}
