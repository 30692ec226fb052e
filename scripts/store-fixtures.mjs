// The catalogue and orders of the local store server (scripts/store-local.mjs): Shopify's in the
// Admin GraphQL node shapes Echo's adapter reads, WooCommerce's in the REST v3 resource shapes
// (Shipment Tracking's `_wc_shipment_tracking_items` meta, `refunds[]` as the API lists them).
// Fresh objects on every call, so a test may change its copy (a product's price, an order's state).

/** Shopify's shop: three products (one a draft, so never on the online store) and two orders. */
export function shopifyCatalogue(shop) {
  const page = (handle) => `https://${shop}/products/${handle}`;
  return {
    name: "Acme Outdoor",
    products: [
      {
        id: "gid://shopify/Product/632910392",
        title: "Wool Socks",
        handle: "wool-socks",
        descriptionHtml: "<p>Merino socks that keep feet warm on long hikes.</p>",
        onlineStoreUrl: page("wool-socks"),
        status: "ACTIVE",
        options: [{ name: "Color", values: ["Grey", "Navy"] }],
        priceRangeV2: { minVariantPrice: { amount: "19.5", currencyCode: "EUR" } },
        variants: {
          nodes: [
            { title: "Grey", price: "19.50", sku: "WS-G", availableForSale: true },
            { title: "Navy", price: "19.50", sku: "WS-N", availableForSale: false },
          ],
        },
      },
      {
        id: "gid://shopify/Product/632910393",
        title: "Alpine Rain Jacket",
        handle: "alpine-rain-jacket",
        descriptionHtml: "<p>A light <strong>waterproof</strong> rain jacket with taped seams and a packable hood.</p>",
        onlineStoreUrl: page("alpine-rain-jacket"),
        status: "ACTIVE",
        options: [{ name: "Color", values: ["Blue", "Red"] }],
        priceRangeV2: { minVariantPrice: { amount: "149.0", currencyCode: "EUR" } },
        variants: {
          nodes: [
            { title: "Blue", price: "149.00", sku: "ARJ-B", availableForSale: true },
            { title: "Red", price: "149.00", sku: "ARJ-R", availableForSale: true },
          ],
        },
      },
      {
        id: "gid://shopify/Product/632910394",
        title: "Prototype Stove",
        handle: "prototype-stove",
        descriptionHtml: "<p>Not for sale yet.</p>",
        onlineStoreUrl: null,
        status: "DRAFT",
        options: [{ name: "Title", values: ["Default Title"] }],
        priceRangeV2: { minVariantPrice: { amount: "99.0", currencyCode: "EUR" } },
        variants: { nodes: [{ title: "Default Title", price: "99.00", sku: "PS-1", availableForSale: false }] },
      },
    ],
    orders: [
      {
        id: "gid://shopify/Order/450789469",
        name: "#1001",
        email: "jane@example.com",
        createdAt: "2026-11-22T09:00:00Z",
        cancelledAt: null,
        displayFinancialStatus: "PAID",
        displayFulfillmentStatus: "FULFILLED",
        totalPriceSet: { shopMoney: { amount: "39.00", currencyCode: "EUR" } },
        lineItems: { nodes: [{ title: "Wool Socks", quantity: 2 }] },
        fulfillments: [
          { trackingInfo: [{ company: "DHL", number: "JJD000390007", url: "https://track.example.net/JJD000390007" }] },
        ],
      },
      {
        id: "gid://shopify/Order/450789470",
        name: "#1002",
        email: "bob@example.com",
        createdAt: "2026-11-25T15:30:00Z",
        cancelledAt: null,
        displayFinancialStatus: "PARTIALLY_REFUNDED",
        displayFulfillmentStatus: "UNFULFILLED",
        totalPriceSet: { shopMoney: { amount: "149.00", currencyCode: "EUR" } },
        lineItems: { nodes: [{ title: "Alpine Rain Jacket", quantity: 1 }] },
        fulfillments: [],
      },
    ],
  };
}

/** WooCommerce's store at `origin` (product pages are served there): three products, two orders. */
export function wooCatalogue(origin) {
  const product = (id, name, slug, description, price, stock, colors) => ({
    id,
    name,
    slug,
    permalink: `${origin}/product/${slug}/`,
    type: "simple",
    status: "publish",
    description,
    short_description: "",
    sku: `${slug.toUpperCase().slice(0, 6)}-${id}`,
    price,
    regular_price: price,
    sale_price: "",
    purchasable: true,
    stock_status: stock,
    attributes: colors.length
      ? [{ id: 1, name: "Color", position: 0, visible: true, variation: false, options: colors }]
      : [],
    date_created: "2026-10-01T10:00:00",
  });
  return {
    products: [
      product(
        11,
        "Trail Jacket",
        "trail-jacket",
        "<p>A waterproof shell for hiking in the rain.</p>",
        "129.00",
        "instock",
        ["Blue", "Green"],
      ),
      product(12, "Camp Mug", "camp-mug", "<p>Enamel mug for the camp fire.</p>", "12.00", "outofstock", []),
      product(
        13,
        "Summit Backpack",
        "summit-backpack",
        "<p>A 30 litre daypack with a rain cover.</p>",
        "89.00",
        "instock",
        ["Orange", "Black"],
      ),
    ],
    orders: [
      {
        id: 727,
        number: "727",
        status: "completed",
        currency: "USD",
        total: "129.00",
        date_created: "2026-11-20T10:00:00",
        billing: { first_name: "Jane", last_name: "Doe", email: "jane@example.com" },
        line_items: [{ id: 1, name: "Trail Jacket", product_id: 11, quantity: 1, total: "129.00" }],
        refunds: [],
        meta_data: [
          {
            id: 9,
            key: "_wc_shipment_tracking_items",
            value: [
              {
                tracking_provider: "UPS",
                custom_tracking_provider: "",
                tracking_number: "1Z999AA10123456784",
                custom_tracking_link: "",
                date_shipped: "1763715600",
              },
            ],
          },
        ],
      },
      {
        id: 728,
        number: "728",
        status: "processing",
        currency: "USD",
        total: "24.00",
        date_created: "2026-11-21T10:00:00",
        billing: { first_name: "Bob", last_name: "Roe", email: "bob@example.com" },
        line_items: [{ id: 2, name: "Camp Mug", product_id: 12, quantity: 2, total: "24.00" }],
        refunds: [{ id: 90, reason: "Chipped mug", total: "-5.00" }],
        meta_data: [],
      },
    ],
  };
}
