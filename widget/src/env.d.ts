/** CSS files are imported as minified text (widget/build.mjs) and placed in the shadow root. */
declare module "*.css" {
  const css: string;
  export default css;
}
