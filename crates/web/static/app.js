// yanshi — small enhancements on top of pages that work without them.
document.addEventListener('DOMContentLoaded', () => {
  // The live board redraws from the server's stream; without EventSource it is a plain page.
  document.querySelectorAll('[data-stream]').forEach((el) => {
    if (!('EventSource' in window)) return;
    const source = new EventSource(el.dataset.stream);
    const live = document.getElementById('board-live');
    source.addEventListener('board', (e) => {
      el.innerHTML = e.data;
      if (live) live.classList.remove('offline');
    });
    source.onerror = () => { if (live) live.classList.add('offline'); };
  });
  // Signing waits until the agreement has been scrolled to its last line, a name is typed and
  // the statement ticked; the hint lists what is still missing and follows each as it is met.
  // (The server checks all of it again: without JS the form still posts and is refused.)
  const end = document.getElementById('agreement-end');
  const sign = document.getElementById('sign');
  if (end && sign && 'IntersectionObserver' in window) {
    const hint = document.getElementById('read-hint');
    const name = document.getElementById('typed_name');
    const tick = document.getElementById('statement');
    let read = false;
    const needs = () => ({ scroll: !read, name: !!name && !name.value.trim(), tick: !!tick && !tick.checked });
    const update = () => {
      const missing = needs();
      const waiting = Object.values(missing).some(Boolean);
      sign.disabled = waiting;
      if (!hint) return;
      hint.hidden = !waiting;
      hint.querySelectorAll('.need').forEach((n) => { n.hidden = !missing[n.dataset.need]; });
    };
    if (name) name.addEventListener('input', update);
    if (tick) tick.addEventListener('change', update);
    update();
    new IntersectionObserver((entries, observer) => {
      if (entries.some((e) => e.isIntersecting)) {
        read = true;
        update();
        observer.disconnect();
      }
    }).observe(end);
  }

  // An optional handwritten signature, drawn with a finger.
  const pad = document.getElementById('signature-pad');
  if (pad) {
    pad.hidden = false;
    const box = document.getElementById('drawing-box');
    if (box) box.hidden = false;
    const ctx = pad.getContext('2d');
    ctx.lineWidth = 2.5;
    ctx.lineCap = 'round';
    let drawing = false;
    let drawn = false;
    const at = (e) => {
      const r = pad.getBoundingClientRect();
      return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
    };
    pad.addEventListener('pointerdown', (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); pad.setPointerCapture(e.pointerId); });
    pad.addEventListener('pointermove', (e) => { if (drawing) { ctx.lineTo(...at(e)); ctx.stroke(); drawn = true; } });
    pad.addEventListener('pointerup', () => { drawing = false; });
    const clear = document.getElementById('clear-pad');
    if (clear) clear.addEventListener('click', () => { ctx.clearRect(0, 0, pad.width, pad.height); drawn = false; });
    pad.closest('form').addEventListener('submit', () => {
      const field = document.getElementById('drawing');
      if (field && drawn) field.value = pad.toDataURL('image/png');
    });
  }
});

// Scanning a pickup code's QR with the phone's camera, wherever the browser has a camera:
// BarcodeDetector where it reads QR codes, elsewhere (iPhones, WeChat's in-app browser) the
// vendored jsQR, fetched only when a scan starts. Typing the eight digits always works.
// initScan is idempotent: it runs for the page and again for every piece htmx swaps in.
let jsQRLoading = null;
function loadJsQR() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!jsQRLoading) {
    jsQRLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/static/jsQR.js';
      script.id = 'jsqr';
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR')));
      script.onerror = () => { jsQRLoading = null; script.remove(); reject(new Error('jsQR')); };
      document.head.appendChild(script);
    });
  }
  return jsQRLoading;
}

// A function from the playing video to the texts of the QR codes in its current frame.
async function qrReader() {
  if ('BarcodeDetector' in window) {
    const formats = await BarcodeDetector.getSupportedFormats().catch(() => []);
    if (formats.includes('qr_code')) {
      const detector = new BarcodeDetector({ formats: ['qr_code'] });
      return async (video) => (await detector.detect(video).catch(() => [])).map((c) => c.rawValue);
    }
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth || !video.videoHeight) return [];
    // At most 640 px on the long side: enough for a code held up to the phone, and quick.
    const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' });
    return found ? [found.data] : [];
  };
}

function cameraProblem(button, error) {
  const name = error && error.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return button.dataset.denied;
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return button.dataset.noCamera;
  return button.dataset.failed;
}

function setUpScan(form) {
  const button = form.querySelector('button.scan');
  const input = form.querySelector('input.pickup-code');
  const scanned = form.querySelector('input[name=scanned]');
  if (!button || !input || !scanned || button.dataset.scanReady) return;
  button.dataset.scanReady = 'yes';
  const startLabel = button.textContent;
  button.hidden = false;
  button.setAttribute('aria-pressed', 'false');
  // A code typed by hand is a typed code, even after a scan was tried.
  input.addEventListener('input', () => { scanned.value = ''; });
  let scan = null;
  const say = (text) => {
    let p = form.querySelector('.scan-error');
    if (!text) { if (p) p.remove(); return; }
    if (!p) {
      p = document.createElement('p');
      p.className = 'error small scan-error';
      p.setAttribute('role', 'alert');
      button.after(p);
    }
    p.textContent = text;
  };
  const stop = () => {
    if (!scan) return;
    scan.stopped = true;
    if (scan.stream) scan.stream.getTracks().forEach((t) => t.stop());
    scan.video.remove();
    scan = null;
    button.textContent = startLabel;
    button.setAttribute('aria-pressed', 'false');
  };
  button.addEventListener('click', async () => {
    if (scan) { stop(); return; }
    say(null);
    const video = document.createElement('video');
    video.setAttribute('playsinline', '');
    video.muted = true;
    video.className = 'scanner';
    const current = { stream: null, video, stopped: false };
    scan = current;
    button.textContent = button.dataset.stop || startLabel;
    button.setAttribute('aria-pressed', 'true');
    button.after(video);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (current.stopped) { stream.getTracks().forEach((t) => t.stop()); return; }
      current.stream = stream;
      video.srcObject = stream;
      await video.play();
      const read = await qrReader();
      const look = async () => {
        if (current.stopped) return;
        // The card was swapped or the page left: let the camera go.
        if (!form.isConnected) { stop(); return; }
        const digits = (await read(video)).map((v) => v.replace(/\s/g, '')).find((v) => /^\d{8}$/.test(v));
        if (current.stopped) return;
        if (digits) {
          stop();
          say(null);
          input.value = digits;
          scanned.value = 'yes';
          form.requestSubmit();
        } else {
          setTimeout(look, 100);
        }
      };
      look();
    } catch (e) {
      if (current.stopped) return;
      stop();
      say(cameraProblem(button, e));
      input.focus();
    }
  });
}

function initScan(root) {
  if (!root || !root.querySelectorAll) return;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  if (root.matches && root.matches('form.handover')) setUpScan(root);
  root.querySelectorAll('form.handover').forEach(setUpScan);
}

document.addEventListener('DOMContentLoaded', () => initScan(document));
document.addEventListener('htmx:load', (e) => initScan(e.detail.elt));
