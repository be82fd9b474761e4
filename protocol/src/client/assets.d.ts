// The apps build with vite, which turns `?url` imports into the bundled asset's address (the pdf.js worker).
declare module '*?url' {
  const url: string;
  export default url;
}
