/** Shopify Admin GraphQL nodes, as Echo's adapter queries them (workers/providers/commerce/shopify.ts). */
export type ShopifyProductNode = {
  id: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  onlineStoreUrl: string | null;
  status: string;
  options: { name: string; values: string[] }[];
  priceRangeV2: { minVariantPrice: { amount: string; currencyCode: string } };
  variants: { nodes: { title: string; price: string; sku: string; availableForSale: boolean }[] };
};
export type ShopifyOrderNode = {
  id: string;
  name: string;
  email: string | null;
  createdAt: string;
  cancelledAt: string | null;
  displayFinancialStatus: string;
  displayFulfillmentStatus: string;
  totalPriceSet: { shopMoney: { amount: string; currencyCode: string } };
  lineItems: { nodes: { title: string; quantity: number }[] };
  fulfillments: { trackingInfo: { company: string | null; number: string | null; url: string | null }[] }[];
};
/** WooCommerce REST v3 resources (the fields Echo reads, plus a few a store sends). */
export type WooProductResource = {
  id: number;
  name: string;
  slug: string;
  permalink: string;
  status: string;
  description: string;
  short_description: string;
  sku: string;
  price: string;
  stock_status: string;
  purchasable: boolean;
  attributes: { id: number; name: string; options: string[] }[];
  [field: string]: unknown;
};
export type WooOrderResource = {
  id: number;
  number: string;
  status: string;
  currency: string;
  total: string;
  date_created: string;
  billing: { first_name: string; last_name: string; email: string };
  line_items: { id: number; name: string; product_id: number; quantity: number; total: string }[];
  refunds: { id: number; reason: string; total: string }[];
  meta_data: { id: number; key: string; value: unknown }[];
};

export declare function shopifyCatalogue(shop: string): {
  name: string;
  products: ShopifyProductNode[];
  orders: ShopifyOrderNode[];
};
export declare function wooCatalogue(origin: string): { products: WooProductResource[]; orders: WooOrderResource[] };
