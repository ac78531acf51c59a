/**
 * gwsim convention: what a Conferencing Node plays to a caller is recognisable on the wire. While the caller
 * waits in the lobby the node sends frames starting with the lobby marker (the "waiting splash"); once the
 * caller is in the meeting, frames carry the meeting marker. Endpoints read the marker to tell which state
 * they are in, the way a person would tell a splash screen from the meeting.
 */
export const MEDIA_MARKERS = Object.freeze({ lobby: 'GWSIM-LOBBY', meeting: 'GWSIM-MEETING', reception: 'GWSIM-RECEPTION' });

export type MarkedState = keyof typeof MEDIA_MARKERS;

/** A 20 ms G.711 µ-law frame (160 bytes of silence) that starts with the state's marker. */
export function markedFrame(state: MarkedState): Buffer {
  const frame = Buffer.alloc(160, 0xff);
  frame.write(MEDIA_MARKERS[state], 0, 'latin1');
  return frame;
}

/** Which marked state a received payload belongs to, or null for unmarked media. */
export function markedState(payload: Buffer): MarkedState | null {
  for (const [state, marker] of Object.entries(MEDIA_MARKERS)) {
    if (payload.length >= marker.length && payload.toString('latin1', 0, marker.length) === marker) return state as MarkedState;
  }
  return null;
}
