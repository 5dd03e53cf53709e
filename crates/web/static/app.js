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
  // Signing waits until the agreement has been scrolled to its last line.
  const end = document.getElementById('agreement-end');
  const sign = document.getElementById('sign');
  if (end && sign && 'IntersectionObserver' in window) {
    sign.disabled = true;
    const hint = document.getElementById('read-hint');
    if (hint) hint.hidden = false;
    new IntersectionObserver((entries, observer) => {
      if (entries.some((e) => e.isIntersecting)) {
        sign.disabled = false;
        if (hint) hint.hidden = true;
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

// Scanning a pickup code's QR with the phone's camera, where the browser can (BarcodeDetector);
// everywhere else the teacher types the eight digits.
document.addEventListener('DOMContentLoaded', () => {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  document.querySelectorAll('form.handover').forEach((form) => {
    const button = form.querySelector('button.scan');
    const input = form.querySelector('input.pickup-code');
    if (!button || !input) return;
    button.hidden = false;
    button.addEventListener('click', async () => {
      const video = document.createElement('video');
      video.setAttribute('playsinline', '');
      video.className = 'scanner';
      form.appendChild(video);
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      await video.play();
      const detector = new BarcodeDetector({ formats: ['qr_code'] });
      const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.remove(); };
      const look = async () => {
        const found = await detector.detect(video).catch(() => []);
        const digits = found.map((c) => c.rawValue).find((v) => /^\d{8}$/.test(v));
        if (digits) {
          stop();
          input.value = digits;
          form.querySelector('input[name=scanned]').value = 'yes';
          form.requestSubmit();
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    });
  });
});
