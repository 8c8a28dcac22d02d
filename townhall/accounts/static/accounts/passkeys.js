// Passkey pages. The passkey forms and buttons sit in <template data-passkey-js> elements, so
// without JavaScript (or without WebAuthn) they are not on the page at all and the page shows
// what still works instead. This deferred script runs before DOMContentLoaded, so the forms
// are in place when allauth's onload.js wires them up. It also shows a GOV.UK error summary,
// instead of a silent console error, when a passkey attempt is cancelled or fails.
(function () {
  'use strict'
  var supported = typeof window.PublicKeyCredential !== 'undefined'
  function each (selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn) }

  each('[data-passkey-no-js]', function (el) { el.hidden = true })
  if (supported) {
    each('template[data-passkey-js]', function (template) {
      template.replaceWith(template.content.cloneNode(true))
    })
  } else {
    each('[data-passkey-unsupported]', function (el) { el.hidden = false })
  }

  document.addEventListener('allauth.error', function (event) {
    var detail = event.detail || {}
    if ((detail.tags || []).indexOf('webauthn') === -1) return
    event.preventDefault()
    each('[data-passkey-error]', function (el) {
      // Built only when needed, so a page never carries a second, hidden error summary.
      el.innerHTML = '<div class="govuk-error-summary" tabindex="-1"><div role="alert">' +
        '<h2 class="govuk-error-summary__title">There is a problem</h2>' +
        '<div class="govuk-error-summary__body"><p class="govuk-body govuk-!-margin-bottom-0">' +
        'Your passkey was not used. The request may have been cancelled or timed out. ' +
        'Try again, or use another way.</p></div></div></div>'
      el.firstChild.focus()
    })
  })
})()
