import type { MessagesEvent } from '../../../shared/contract/index.ts';
import { t } from '../i18n/index.ts';

/** A soft two-note chime from the Web Audio API (no sound file): unlike the emergency alarm, it does not insist. */
function chime(): void {
  const context = new AudioContext();
  const gain = context.createGain();
  gain.gain.setValueAtTime(0.12, context.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.6);
  gain.connect(context.destination);
  const oscillator = context.createOscillator();
  oscillator.type = 'sine';
  oscillator.frequency.setValueAtTime(660, context.currentTime);
  oscillator.frequency.setValueAtTime(990, context.currentTime + 0.15);
  oscillator.connect(gain);
  oscillator.start();
  oscillator.stop(context.currentTime + 0.6);
  oscillator.onended = () => void context.close();
}

/**
 * A new text from the mesh: a chime, and in a browser an OS notification when the page is hidden and
 * the operator has already allowed them for this console (never asked for on load). The desktop app
 * shows its own OS notification from the main process.
 */
export function alertNewMessage(event: MessagesEvent, via: 'desktop' | 'websocket'): void {
  chime();
  if (via !== 'websocket' || typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.visibilityState === 'visible') return;
  const { conversation, message } = event;
  const title =
    conversation.kind === 'direct'
      ? t('messages.notifyDirect', { name: conversation.name })
      : t('messages.notifyChannel', { from: message.from ?? t('messages.someone'), channel: conversation.name });
  new Notification(title, { body: message.text, tag: conversation.id });
}
