// A security-key ceremony that failed or was cancelled (allauth's "allauth.error" event) is
// shown on the page, in the element #webauthn-error, instead of only in the console.
(function () {
  document.addEventListener('allauth.error', function (event) {
    const box = document.getElementById('webauthn-error')
    if (box) {
      event.preventDefault()
      box.hidden = false
    }
  })
})()
