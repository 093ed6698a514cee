// Workers (wrangler, workerd) and the package's workerd bundle import .wasm files as compiled modules.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
