// The templates this executor renders, by name. They are parsed once, at build time (`init`).
export const TEMPLATES = {
  greeting: 'Hello, {{name}}!',
  invoice: [
    '<h1>Invoice {{number}}</h1>',
    '<p>For {{customer.name}} ({{customer.email}})</p>',
    '<table>',
    '{{#items}}<tr><td>{{description}}</td><td>{{quantity}}</td><td>{{price}}</td></tr>{{/items}}',
    '</table>',
    '{{^items}}<p>No items.</p>{{/items}}',
    '<p>Notes: {{notes}}</p>',
  ].join('\n'),
};
