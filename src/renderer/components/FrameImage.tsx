import { useEffect, useState } from 'preact/hooks';
import type { ApiTransport, FrameDto } from '../../api/contract.js';

/**
 * A recorded frame: its URL comes from the transport (a token-carrying path on the web, a
 * custom protocol in Electron), so it is asked for once the frame is known.
 */
export function FrameImage(props: { api: ApiTransport; frame: FrameDto; alt: string; id?: string; class?: string }) {
  const { api, frame } = props;
  // The previous frame stays until the next one's URL is known (no blank flash between steps).
  const [src, setSrc] = useState<{ id: number; url: string } | null>(null);
  useEffect(() => {
    let current = true;
    void api.frameUrl(frame.id).then((url) => current && setSrc({ id: frame.id, url }));
    return () => {
      current = false;
    };
  }, [api, frame.id]);
  return (
    <img id={props.id} class={props.class} alt={props.alt} width={frame.width} height={frame.height} src={src?.url} />
  );
}
