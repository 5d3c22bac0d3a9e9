// live.js: keeps the campaign page's figures up to date from /live (Server-Sent Events), in place.
// No framework and nothing inline; without JavaScript the page simply shows the figures of its render.
//
// Only elements inside a role="status" region are updated, those that carry data-live="KEY":
//   signatures.confirmed      confirmed signatures
//   signatures.goal           the letter's signature goal (absent when there is none)
//   signatures.organizations  confirmed signatures that name an organisation
//   signatures.customers      confirmed signatures of customers
//   fundraiser.pledged        money pledged (confirmed and paid), formatted in its currency
//   fundraiser.goal           the fundraiser's goal, formatted in its currency
//   fundraiser.pledgeCount    pledges counted in fundraiser.pledged
//   event.ID.going            people going to event ID (guests included)
//   event.ID.waitlisted       people on event ID's waitlist
//   event.ID.capacity         event ID's capacity (absent when unlimited)
// Text elements get the number formatted with Intl.NumberFormat in the page's language (<html lang>).
// A <meter> or <progress> gets the raw number as its value (money in minor units, as the server renders
// it), and its max from the key named by data-live-max="KEY" if it has one, e.g.
//   <progress data-live="signatures.confirmed" data-live-max="signatures.goal" max="5000" value="1285">
(function () {
  'use strict';
  if (!('EventSource' in window) || !document.querySelector) { return; }
  var lang = document.documentElement.lang || undefined;
  var numbers = new Intl.NumberFormat(lang);

  function isMoney(value) {
    return value !== null && typeof value === 'object' && typeof value.amountMinor === 'number' &&
      typeof value.currency === 'string';
  }

  // The figures as KEY -> number or money, the keys listed above.
  function flatten(figures) {
    var out = {};
    function add(prefix, object) {
      if (!object) { return; }
      Object.keys(object).forEach(function (name) {
        var value = object[name];
        if (typeof value === 'number' || isMoney(value)) { out[prefix + name] = value; }
      });
    }
    add('signatures.', figures.signatures);
    add('fundraiser.', figures.fundraiser);
    (figures.events || []).forEach(function (event) { add('event.' + event.id + '.', event); });
    return out;
  }

  function formatMoney(money) {
    var format;
    try {
      format = new Intl.NumberFormat(lang, { style: 'currency', currency: money.currency });
    } catch (e) {
      return numbers.format(money.amountMinor);
    }
    var digits = format.resolvedOptions().maximumFractionDigits;
    var scale = Math.pow(10, digits);
    var whole = money.amountMinor % scale === 0;
    return new Intl.NumberFormat(lang, {
      style: 'currency', currency: money.currency,
      minimumFractionDigits: whole ? 0 : digits, maximumFractionDigits: digits
    }).format(money.amountMinor / scale);
  }

  function raw(value) { return isMoney(value) ? value.amountMinor : value; }

  function show(figures) {
    var values = flatten(figures);
    var regions = document.querySelectorAll('[role="status"]');
    Array.prototype.forEach.call(regions, function (region) {
      Array.prototype.forEach.call(region.querySelectorAll('[data-live]'), function (element) {
        var value = values[element.getAttribute('data-live')];
        if (value === undefined) { return; }
        var tag = element.tagName.toLowerCase();
        if (tag === 'meter' || tag === 'progress') {
          var max = values[element.getAttribute('data-live-max')];
          if (max !== undefined && raw(max) > 0) { element.max = raw(max); }
          element.value = raw(value);
          return;
        }
        var text = isMoney(value) ? formatMoney(value) : numbers.format(value);
        if (element.textContent !== text) { element.textContent = text; }
      });
    });
  }

  function start() {
    var source = new EventSource('/live');
    source.addEventListener('figures', function (event) {
      var figures;
      try { figures = JSON.parse(event.data); } catch (e) { return; }
      show(figures);
    });
    // EventSource reconnects by itself (the server sends retry: 5000); nothing to do on error.
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
