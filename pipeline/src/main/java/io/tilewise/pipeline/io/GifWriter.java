package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/** Animated GIF output through javax.imageio, looping forever (NETSCAPE2.0 extension), one delay per frame. */
public final class GifWriter {

    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private GifWriter() {
    }

    /** @param fps frames per second (GIF delays are in 1/100 s, so the rate is rounded to that) */
    public static void write(Video video, Path file, double fps) {
        if (!(fps > 0) || fps > 100) throw new IllegalArgumentException("fps " + fps + " must be in (0, 100] for GIF");
        int delay = Math.max(1, (int) Math.round(100 / fps));
        AtomicFiles.write(file, tmp -> {
            Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
            if (!writers.hasNext()) throw new IOException("no GIF writer available");
            ImageWriter writer = writers.next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                writer.setOutput(out);
                writer.prepareWriteSequence(null);
                for (int f = 0; f < video.frames(); f++) {
                    BufferedImage image = PngWriter.image(video, f);
                    IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
                    frameMetadata(meta, delay, f == 0);
                    writer.writeToSequence(new IIOImage(image, null, meta), null);
                }
                writer.endWriteSequence();
            } finally {
                writer.dispose();
            }
        });
    }

    private static void frameMetadata(IIOMetadata meta, int delay, boolean first) throws IOException {
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(FORMAT);
        IIOMetadataNode control = child(root, "GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", Integer.toString(delay));
        control.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0}); // sub-block 1, loop count 0 = forever
            child(root, "ApplicationExtensions").appendChild(app);
        }
        meta.setFromTree(FORMAT, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) return (IIOMetadataNode) root.item(i);
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }
}
