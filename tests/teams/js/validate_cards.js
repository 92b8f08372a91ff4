// Validates Adaptive Cards with Microsoft's own parser. Input: a JSON array of cards on stdin.
// Output: a JSON array with, per card, the parser's and validator's warnings and errors.
// The library logs to the console while rendering; keep stdout for our JSON.
console.log = console.warn = (...args) => process.stderr.write(args.join(" ") + "\n");
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!DOCTYPE html><body></body>");
global.window = dom.window;
global.document = dom.window.document;
// Rendering (not only parsing) needs the DOM classes as globals.
for (const name of Object.getOwnPropertyNames(dom.window)) {
  if (/^(HTML|SVG|Element$|Node$|Event$|KeyboardEvent$|MouseEvent$|getComputedStyle$|navigator$)/.test(name) && !(name in global)) {
    global[name] = dom.window[name];
  }
}
// The package's "main" is extensionless ESM that Node cannot load; the UMD bundle works.
const AC = require("adaptivecards/dist/adaptivecards.js");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cards = JSON.parse(input);
  const results = cards.map((payload) => {
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext();
    card.parse(payload, context);
    const problems = [];
    for (let i = 0; i < context.eventCount; i++) {
      const event = context.getEventAt(i);
      problems.push({ phase: event.phase, event: event.event, message: event.message });
    }
    for (const event of card.validateProperties().validationEvents) {
      problems.push({ phase: "validation", event: event.event, message: event.message });
    }
    const rendered = card.render();
    return { problems, rendered: Boolean(rendered), version: card.version ? card.version.toString() : null };
  });
  process.stdout.write(JSON.stringify(results));
});
